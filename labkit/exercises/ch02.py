"""Exercises of chapter 02: pipelines.

Every exercise declares its typical mistakes as data: exercises 1 and 3
(:class:`~labkit.exercises._core.DeclaredMistakes`) a test on the learner's
object and the message that explains the mistake, exercise 2
(:class:`~labkit.exercises._core.EqualityCheck`) the wrong values themselves.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from labkit.exercises._core import DeclaredMistakes, EqualityCheck, Incorrect

#: Rows per class in adult.data and adult.test (see data/README.md).
TRAIN_COUNTS = {"<=50K": 24_720, ">50K": 7_841}
TEST_COUNTS = {"<=50K": 12_435, ">50K": 3_846}

#: The label order the chapter fixes: class ``i`` becomes ``float(i)``.
CLASSES = ("<=50K", ">50K")

#: Columns of exercise 3's small pipeline, and the tree's depth.
SMALL_CATEGORICAL = ("sex", "occupation")
SMALL_NUMERIC = ("age", "hours-per-week")
SMALL_DEPTH = 4


def _kind(answer: Any) -> str:
    return type(answer).__name__


def _labels(answer: Any) -> tuple[str, ...]:
    return tuple(getattr(answer, "labels", ()) or ())


class FixedLabelOrder(DeclaredMistakes):
    prompt = (
        "`rich` is a batch where most people earn more than 50K. Fit a label indexer on `rich` "
        "that still makes '<=50K' 0.0 and '>50K' 1.0, and set `rich_label_indexer` to it."
    )
    hints = (
        "By default StringIndexer gives 0.0 to the most frequent value. Which parameter "
        "chooses another order?",
        "`StringIndexer(inputCol='income', outputCol='label', stringOrderType=...)`: "
        "'<' sorts before '>'.",
    )
    answer_code = (
        "rich_label_indexer = StringIndexer(\n"
        "    inputCol='income', outputCol='label', stringOrderType='alphabetAsc'\n"
        ").fit(rich)"
    )
    mistakes = (
        (
            lambda a: _kind(a) == "StringIndexer",
            "That is the Estimator, the recipe: call `.fit(rich)` to get the fitted "
            "StringIndexerModel, which knows the order.",
        ),
        (
            lambda a: _kind(a) != "StringIndexerModel",
            "`rich_label_indexer` should be a fitted StringIndexerModel: "
            "StringIndexer(...).fit(rich).",
        ),
        (
            lambda a: _read_columns(a) != ["income"] or a.getOutputCol() != "label",
            "It should read `income` and write `label`: inputCol='income', outputCol='label'.",
        ),
        (
            lambda a: _labels(a) == CLASSES[::-1],
            "In that model '>50K' is 0.0: on `rich` it is the more frequent class, and the "
            "default stringOrderType='frequencyDesc' numbers by frequency. Choose an order "
            "that does not depend on the batch.",
        ),
        (
            lambda a: a.getStringOrderType() == "frequencyAsc",
            "Right order on this batch, but only by luck: 'frequencyAsc' still numbers by "
            "frequency, so on the full training data the classes swap. Use an order that "
            "ignores frequency ('alphabetAsc').",
        ),
    )

    def verdict(self, answer: Any) -> str:
        if _labels(answer) != CLASSES:
            raise Incorrect(
                f"The indexer knows the labels {list(_labels(answer))}; it should know "
                f"{list(CLASSES)}, in that order. Fit it on `rich`."
            )
        return "'>50K' is 1.0 on every batch you will ever fit this on."


def _share(counts: dict[str, int], label: str) -> float:
    return counts[label] / sum(counts.values())


class Baseline(EqualityCheck):
    prompt = (
        "A model that always answers the most common class of the *training* data: what "
        "accuracy does it get on the *test* data? Set `baseline_accuracy` to it (0 to 1)."
    )
    hints = (
        "Find the most common `income` in `train`, then the share of `test` rows with that value.",
        "`test.filter(test.income == '<=50K').count() / test.count()`",
    )
    answer_code = (
        "majority = train.groupBy('income').count().orderBy('count', ascending=False).first()[0]\n"
        "baseline_accuracy = test.filter(test.income == majority).count() / test.count()"
    )
    name, expected_type = "baseline_accuracy", (int, float)
    mistakes = (
        (
            _share(TRAIN_COUNTS, "<=50K"),
            "That is the share in the training data; measure it on `test`.",
        ),
        (
            _share(TEST_COUNTS, ">50K"),
            "That is the share of the *minority* class; the baseline answers with the most "
            "common one.",
        ),
    )
    right_note = "{expected:.1%}: any model that scores below this has learnt nothing useful."

    def solve(self) -> float:
        return _share(TEST_COUNTS, "<=50K")

    def explain(self, answer: Any, expected: Any) -> str | None:
        if answer > 1:
            return f"{answer} is a count or a percentage: give a share between 0 and 1."
        return f"{answer:.4f} is not it; count the test rows labelled '<=50K'."


@cache
def _labelled_test() -> Any:
    """adult.test with the chapter's numeric label, cached once per process."""
    from pyspark.ml.feature import StringIndexerModel

    from labkit.data import load_adult
    from labkit.session import get_spark

    test = load_adult(get_spark(), "test")
    indexer = StringIndexerModel.from_labels(list(CLASSES), inputCol="income", outputCol="label")
    return indexer.transform(test).cache()


def _indexers(model: Any) -> list[Any]:
    return [s for s in model.stages if _kind(s) == "StringIndexerModel"]


def _read_columns(stage: Any) -> list[str]:
    """The input columns a fitted stage reads (single- or multi-column form)."""
    for param in ("inputCols", "inputCol"):
        if stage.hasParam(param) and stage.isDefined(stage.getParam(param)):
            value = stage.getOrDefault(param)
            return list(value) if isinstance(value, (list, tuple)) else [value]
    return []


def _classifier(model: Any) -> Any:
    found = [s for s in model.stages if hasattr(s, "numFeatures") and hasattr(s, "numClasses")]
    return found[-1] if found else None


class WriteThePipeline(DeclaredMistakes):
    prompt = (
        f"Write a Pipeline by hand for a decision tree (maxDepth={SMALL_DEPTH}) that reads only "
        f"{', '.join(SMALL_CATEGORICAL + SMALL_NUMERIC)}, fit it on `labelled_train`, and set "
        "`my_model` to the fitted model. It must score people whose income nobody knows yet."
    )
    hints = (
        "Three stages: a StringIndexer for the two text columns (handleInvalid='keep'), a "
        "VectorAssembler, a DecisionTreeClassifier. The label is already in `labelled_train`.",
        "Copy the tree pipeline of the chapter and change the column lists and maxDepth; "
        "a tree needs no one-hot encoder, and 15 occupations fit in the default maxBins.",
    )
    answer_code = (
        "my_model = Pipeline(stages=[\n"
        "    StringIndexer(inputCols=['sex', 'occupation'],\n"
        "                  outputCols=['sex_index', 'occupation_index'],\n"
        "                  handleInvalid='keep'),\n"
        "    VectorAssembler(\n"
        "        inputCols=['age', 'hours-per-week', 'sex_index', 'occupation_index'],\n"
        "        outputCol='features'),\n"
        "    DecisionTreeClassifier(featuresCol='features', labelCol='label',\n"
        f"                           maxDepth={SMALL_DEPTH}, seed=42),\n"
        "]).fit(labelled_train)"
    )
    mistakes = (
        (
            lambda a: _kind(a) == "Pipeline",
            "That is the Pipeline, the recipe: call `.fit(labelled_train)` to get the "
            "PipelineModel, whose stages have learnt from the data.",
        ),
        (
            lambda a: _kind(a) != "PipelineModel",
            "`my_model` should be a fitted PipelineModel: "
            "Pipeline(stages=[...]).fit(labelled_train).",
        ),
        (
            lambda a: any("income" in _read_columns(s) for s in a.stages),
            "A stage reads `income`. Scoring tables have no income yet: index the label outside "
            "the pipeline (`labelled_train` already has `label`) and keep it out of the stages.",
        ),
        (
            lambda a: any(s.getHandleInvalid() == "error" for s in _indexers(a)),
            "An indexer has handleInvalid='error': the first occupation it never saw (or a "
            "missing one; adult has many) stops scoring for everybody. Use 'keep'.",
        ),
        (
            lambda a: any(s.getHandleInvalid() == "skip" for s in _indexers(a)),
            "An indexer has handleInvalid='skip': a person with a new or missing occupation "
            "silently gets no prediction at all. Use 'keep'.",
        ),
        (
            lambda a: _kind(_classifier(a)) != "DecisionTreeClassificationModel",
            "The model stage should be a DecisionTreeClassifier.",
        ),
        (
            lambda a: _classifier(a).getOrDefault("maxDepth") != SMALL_DEPTH,
            f"The tree should have maxDepth={SMALL_DEPTH}.",
        ),
    )

    def verdict(self, answer: Any) -> str:
        from pyspark.ml.evaluation import MulticlassClassificationEvaluator

        width = _classifier(answer).numFeatures
        wanted = len(SMALL_CATEGORICAL) + len(SMALL_NUMERIC)
        if width != wanted:
            raise Incorrect(
                f"The tree sees {width} features; it should see {wanted}, one slot per column "
                f"({', '.join(SMALL_NUMERIC + SMALL_CATEGORICAL)}). A tree splits on the "
                "category index itself: no one-hot encoder, and no other columns."
            )
        labelled = _labelled_test()
        try:
            scored = answer.transform(labelled.drop("income", "label"))
            scored_rows = scored.count()
        except Exception as error:  # the learner's pipeline may fail in many ways
            raise Incorrect(
                f"Scoring the test rows without income failed: {str(error).splitlines()[0]}"
            ) from None
        if scored_rows != labelled.count():
            raise Incorrect(f"Scoring kept {scored_rows:,} of {labelled.count():,} rows.")
        evaluator = MulticlassClassificationEvaluator(metricName="accuracy")
        score = evaluator.evaluate(answer.transform(labelled))
        baseline = TEST_COUNTS["<=50K"] / sum(TEST_COUNTS.values())
        if score <= baseline:
            raise Incorrect(
                f"Accuracy {score:.4f} does not beat the baseline {baseline:.4f}: was the "
                "label indexed with '>50K' as 1.0?"
            )
        return (
            f"accuracy {score:.4f} on test from 4 columns, and it scores people with no "
            "income column."
        )


q1 = FixedLabelOrder()
q2 = Baseline()
q3 = WriteThePipeline()
