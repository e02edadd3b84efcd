"""labkit.sparkfolder: every folder Spark writes (3.5 and 4.3), and a named error for the rest."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
from pyspark.ml import Pipeline
from pyspark.ml import classification as cls
from pyspark.ml import feature as ft
from pyspark.sql import functions as F

from labkit.data import ADULT_CATEGORICAL, ADULT_NUMERIC
from labkit.errors import ModelFolderError, UnsupportedStage
from labkit.export import check_parity, load_scorer
from labkit.sparkfolder import model_stages, open_folder, read_ensemble, read_tree

SPARK35 = Path(__file__).parent / "fixtures" / "spark35"
MODELS35 = ["cross_validator", "forest_regressor", "gbt_pipeline", "logistic_pipeline",
            "train_validation_split", "tree_pipeline"]  # fmt: skip


@pytest.fixture(scope="module")
def expected35():
    """Rows and Spark 3.5's outputs for them, saved by make_fixtures.py."""
    return json.loads((SPARK35 / "expected.json").read_text())


# --- crafted folders: the errors name the folder and the fix ----------------------------


def _save(folder: Path, meta: dict) -> Path:
    (folder / "metadata").mkdir(parents=True)
    (folder / "metadata" / "part-00000").write_text(json.dumps(meta) + "\n")
    return folder


def _pipeline_meta(uids: list[str], version: str = "4.3.0") -> dict:
    return {"class": "org.apache.spark.ml.PipelineModel", "sparkVersion": version,
            "uid": "PipelineModel_1", "paramMap": {"stageUids": uids}}  # fmt: skip


def _assembler_meta(uid: str) -> dict:
    return {"class": "org.apache.spark.ml.feature.VectorAssembler", "sparkVersion": "4.3.0",
            "uid": uid, "paramMap": {"inputCols": ["age"], "outputCol": "features"},
            "defaultParamMap": {"handleInvalid": "error"}}  # fmt: skip


def test_stage_folders_follow_sparks_padding_rule(tmp_path):
    uids = [f"VectorAssembler_{i}" for i in range(12)]
    root = _save(tmp_path / "m", _pipeline_meta(uids))
    for i, uid in enumerate(uids):
        _save(root / "stages" / f"{i:02d}_{uid}", _assembler_meta(uid))
    stages = model_stages(open_folder(root))
    assert [s.relative for s in stages][9:11] == [
        "stages/09_VectorAssembler_9", "stages/10_VectorAssembler_10",
    ]  # fmt: skip
    # The unpadded names the old reader looked for are an error naming the padded one.
    (root / "stages" / "03_VectorAssembler_3").rename(root / "stages" / "3_VectorAssembler_3x")
    with pytest.raises(ModelFolderError, match=r"stages/03_VectorAssembler_3 is missing: stage 3 "
                       r"of 12 .*pads the index to 2 digit.*save the model again"):  # fmt: skip
        load_scorer(root)


def test_a_missing_stages_folder_or_best_model_is_named(tmp_path):
    root = _save(tmp_path / "p", _pipeline_meta(["VectorAssembler_0"]))
    with pytest.raises(ModelFolderError, match=r"p/stages is missing"):
        load_scorer(root)
    cv = _save(tmp_path / "cv", {"class": "org.apache.spark.ml.tuning.CrossValidatorModel",
                                 "sparkVersion": "3.5.1", "uid": "cv", "paramMap": {}})  # fmt: skip
    with pytest.raises(ModelFolderError, match=r"cv/bestModel is missing: a saved CrossValidator"):
        load_scorer(cv)


@pytest.mark.parametrize(("version", "fix"), [
    ("2.4.8", "load it with that Spark and save it again with Spark 4"),
    ("5.0.0", "use a labkit release that reads it"),
])  # fmt: skip
def test_layouts_of_other_spark_lines_are_refused_by_name(tmp_path, version, fix):
    root = _save(tmp_path / "old", _pipeline_meta([], version))
    with pytest.raises(ModelFolderError, match=rf"old was saved by Spark {version}; .*3.x and 4.x"
                       rf" only: {fix}"):  # fmt: skip
        load_scorer(root)


def test_an_unknown_class_lists_the_supported_ones(tmp_path):
    root = _save(tmp_path / "p", _pipeline_meta(["PCA_1"]))
    _save(root / "stages" / "0_PCA_1", {"class": "org.apache.spark.ml.feature.PCAModel",
                                        "uid": "PCA_1", "paramMap": {}})  # fmt: skip
    with pytest.raises(
        UnsupportedStage,
        match=r"PCAModel \(stage 'PCA_1' in .*stages/0_PCA_1\) "
        r"is not supported.*StringIndexerModel.*bestModel of a CrossValidator",
    ):
        load_scorer(root)


def test_a_damaged_node_table_is_named(tmp_path):
    shutil.copytree(SPARK35 / "cross_validator" / "bestModel", tmp_path / "m")
    tree = next(p for p in (tmp_path / "m" / "stages").iterdir() if "DecisionTree" in p.name)
    for part in (tree / "data").iterdir():
        part.write_bytes(b"not parquet")
    with pytest.raises(ModelFolderError, match=r"cannot read the parquet file .*DecisionTree"):
        load_scorer(tmp_path / "m")


def test_missing_columns_are_named(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = _save(tmp_path / "ohe", {"class": "org.apache.spark.ml.feature.OneHotEncoderModel",
                                      "uid": "ohe", "paramMap": {"inputCols": ["a"],
                                                                 "outputCols": ["b"]}})  # fmt: skip
    (folder / "data").mkdir()
    pq.write_table(pa.table({"sizes": [[3]]}), folder / "data" / "part-00000.parquet")
    with pytest.raises(ModelFolderError, match=r"ohe/data has no categorySizes column \(it has "
                       r"sizes\): OneHotEncoderModel saved in a layout"):  # fmt: skip
        load_scorer(folder)


# --- folders saved by Spark 3.5 (committed; see tests/fixtures/spark35/README.md) -------


def test_spark35_fixtures_were_saved_by_spark_3_5(expected35):
    assert expected35["sparkVersion"].startswith("3.5.")
    assert sorted(expected35["models"]) == MODELS35
    names = sorted(p.name for p in (SPARK35 / "tree_pipeline" / "stages").iterdir())
    assert names[0].startswith("00_StringIndexer_") and names[-1].startswith("12_IndexToString_")
    assert sum(p.stat().st_size for p in SPARK35.rglob("*") if p.is_file()) < 1_000_000


@pytest.mark.parametrize("name", MODELS35)
def test_spark35_folders_score_like_spark_3_5(name, expected35):
    scorer = load_scorer(SPARK35 / name)
    rows, expected = expected35["rows"], expected35["models"][name]
    assert scorer.spark_version.startswith("3.5.")
    batch = scorer.predict_batch(rows)
    for i, (row, spark) in enumerate(zip(rows, expected, strict=True)):
        for got in (scorer.predict(row), batch[i]):
            assert got.prediction == spark["prediction"], (name, i)
            if "probability" in spark:
                assert max(map(_diff, got.probability, spark["probability"])) <= 1e-12, (name, i)
                assert max(map(_diff, got.raw_prediction, spark["rawPrediction"])) <= 1e-9


def _diff(a: float, b: float) -> float:
    return 0.0 if a == b else abs(a - b) if math.isfinite(a - b) else math.inf


def test_spark35_trees_are_read_by_the_one_reader_inspect_uses():
    stages = model_stages(open_folder(SPARK35 / "gbt_pipeline"))
    ensemble = read_ensemble(stages[-1])
    assert [w for _, w in ensemble] == [1.0] + [0.1] * 4  # GBT: [1, stepSize, ...]
    best = model_stages(open_folder(SPARK35 / "cross_validator"))[-1]
    nodes = read_tree(best)
    assert nodes[0].size == len(nodes) == len(best.rows())
    assert {n.id for n, _ in nodes[0].walk()} == set(range(len(nodes)))


@pytest.mark.parametrize(
    ("kind", "package", "says"),
    [
        (
            "SQLTransformer",
            "feature",
            r"cannot be replayed row by row outside Spark: it runs a "
            r"SQL statement.*Instead, do the SQL before the pipeline",
        ),
        (
            "Tokenizer",
            "feature",
            r"is not supported yet \(a row-wise stage.*"
            r"Supported: .*MinMaxScalerModel.*Instead, score this pipeline with Spark",
        ),
        ("ALSModel", "recommendation", r"cannot be replayed row by row.*factor tables"),
    ],
)
def test_a_stage_the_scorer_cannot_replay_is_refused_at_load_saying_why(
    kind, package, says, tmp_path
):
    root = _save(tmp_path / "p", _pipeline_meta(["VectorAssembler_a", f"{kind}_1"]))
    _save(root / "stages" / "0_VectorAssembler_a", _assembler_meta("VectorAssembler_a"))
    _save(root / "stages" / f"1_{kind}_1", {"class": f"org.apache.spark.ml.{package}.{kind}",
                                            "uid": f"{kind}_1", "paramMap": {}})  # fmt: skip
    with pytest.raises(UnsupportedStage, match=rf"{kind} \(stage '{kind}_1' in .*\) {says}"):
        load_scorer(root)


# --- Spark 4.3: 18 stages, folders 00_ .. 17_ --------------------------------------------


@pytest.fixture(scope="module")
def eighteen_stages(adult_train, tmp_path_factory):
    """The layout the talks show: per column a StringIndexer and a one-hot encoder."""
    cats = list(ADULT_CATEGORICAL)
    indexers = [ft.StringIndexer(inputCol=c, outputCol=f"{c}_idx", handleInvalid="keep")
                for c in cats]  # fmt: skip
    encoders = [ft.OneHotEncoder(inputCol=f"{c}_idx", outputCol=f"{c}_vec") for c in cats]
    assembler = ft.VectorAssembler(
        inputCols=list(ADULT_NUMERIC) + [f"{c}_vec" for c in cats], outputCol="features"
    )
    tree = cls.DecisionTreeClassifier(maxDepth=6, seed=3)
    stages = indexers + encoders + [assembler, tree]
    assert len(stages) == 18
    labelled = adult_train.withColumn("label", (F.col("income") == ">50K").cast("double"))
    model = Pipeline(stages=stages).fit(labelled)
    folder = tmp_path_factory.mktemp("eighteen") / "model"
    model.write().save(str(folder))
    return model, folder


def test_eighteen_stage_pipeline_agrees_with_spark_on_every_adult_row(
    eighteen_stages, adult_train, adult_test
):
    model, folder = eighteen_stages
    names = sorted(p.name for p in (folder / "stages").iterdir())
    assert [n[:3] for n in names] == [f"{i:02d}_" for i in range(18)]
    scorer = load_scorer(folder)
    assert len(scorer.stages) == 18
    rows = adult_train.unionByName(adult_test)
    report = check_parity(model, scorer, rows, mode="all")  # rows, batch and generated code
    assert report.ok, str(report)
    assert report.rows == report.compared == 48_842


# --- a folder only the Spark session can see --------------------------------------------


def test_a_folder_read_through_the_session_scores_like_spark(
    eighteen_stages, adult_test, spark, monkeypatch
):
    from labkit.export import export, load_scorer
    from labkit.sparkfolder import _source

    def no_local_files(*args, **kwargs):
        raise AssertionError("the local file system was read")

    monkeypatch.setattr(_source.LocalSource, "__init__", no_local_files)
    model, folder = eighteen_stages
    scorer = load_scorer(f"file://{folder}", spark=spark)
    assert scorer.spark_version == spark.version and len(scorer.stages) == 18
    report = check_parity(model, scorer, adult_test, mode="batch")
    assert report.ok and report.compared == 16_281, str(report)
    assert json.loads(export(f"file://{folder}", spark=spark))["stages"][0]["type"]
    with pytest.raises(ModelFolderError, match=r"The Spark session cannot read file:///nowhere"):
        load_scorer("file:///nowhere", spark=spark)


def test_nested_pipelines_are_flattened_in_order(tmp_path):
    root = _save(tmp_path / "outer", _pipeline_meta(["VectorAssembler_a", "PipelineModel_in"]))
    _save(root / "stages" / "0_VectorAssembler_a", _assembler_meta("VectorAssembler_a"))
    inner = _save(root / "stages" / "1_PipelineModel_in", _pipeline_meta(["VectorAssembler_b"]))
    _save(inner / "stages" / "0_VectorAssembler_b", _assembler_meta("VectorAssembler_b"))
    assert [s.relative for s in model_stages(open_folder(root))] == [
        "stages/0_VectorAssembler_a",
        "stages/1_PipelineModel_in/stages/0_VectorAssembler_b",
    ]
