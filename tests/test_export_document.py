"""The portable JSON document: round trip, strict JSON, and validation naming the bad field."""

from __future__ import annotations

import copy
import json

import pytest
from _export_specs import logistic_specs, scorer_of, tree_specs

from labkit.errors import InvalidDocument, ModelFolderError, UnsupportedStage
from labkit.export import document as D
from labkit.export import export, load_scorer

ROWS = [{"color": c, "size": s} for c in ["red", "blue", "green", "Martian", None]
        for s in [-1.0, 0.0, 2.5, 3.0, 10]]  # fmt: skip


@pytest.fixture
def tree_doc():
    return json.loads(export(scorer_of(tree_specs())))


def _refuse(name):
    raise AssertionError(f"non-strict JSON constant {name}")


@pytest.mark.parametrize("specs", [tree_specs(), logistic_specs()], ids=["tree", "logistic"])
def test_round_trip_scores_identically(specs, tmp_path):
    scorer = scorer_of(specs)
    path = export(scorer, tmp_path / "model.json")
    assert path == tmp_path / "model.json"
    text = path.read_text(encoding="utf-8")
    doc = json.loads(text, parse_constant=_refuse)
    assert doc["format"] == "labkit-scorer" and doc["format_version"] == 1
    assert doc["spark_version"] == "4.3.0"
    assert doc["input_schema"][0] == {"name": "color", "type": "string", "required": True,
                                      "categories": ["red", "blue", "green"],
                                      "handleInvalid": "keep"}  # fmt: skip
    assert {"name": "label_text", "type": "string", "required": False, "categories": ["no", "yes"],
            "handleInvalid": "error"} in doc["input_schema"]  # fmt: skip
    loaded = load_scorer(path)
    assert [loaded.predict(r) for r in ROWS] == [scorer.predict(r) for r in ROWS]
    assert not list(tmp_path.glob(".*tmp"))  # the temporary file was renamed away
    assert path.stat().st_mode & 0o777 == 0o644


def test_infinite_splits_travel_as_strings(tmp_path):
    specs = tree_specs()
    specs.insert(2, {"type": "Bucketizer", "inputCols": ["size"], "outputCols": ["size_band"],
                     "splits": [["-Inf", 0.0, "Inf"]], "handleInvalid": "keep"})  # fmt: skip
    text = export(scorer_of(specs))
    assert '"splits":[["-Inf",0.0,"Inf"]]' in text
    assert D.loads(text).predict({"color": "red", "size": 1.0}).label == "no"


def _mutations():
    """(name, change to the document, expected error type, regex the message must match)."""

    def set_at(path, value):
        def change(doc):
            target = doc
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value

        return change

    def delete(path):
        def change(doc):
            target = doc
            for key in path[:-1]:
                target = target[key]
            del target[path[-1]]

        return change

    tree = ["stages", 3, "trees", 0]
    return [
        ("format", set_at(["format"], "pickle"), InvalidDocument, "'format' is 'pickle'"),
        ("version", set_at(["format_version"], 2), InvalidDocument, "format_version 2 is not"),
        ("version type", set_at(["format_version"], "1"), InvalidDocument,
         r"document\.format_version: expected an integer"),
        ("missing labels", delete(["stages", 0, "labels"]), InvalidDocument,
         r"stages\[0\]\.labels is missing"),
        ("label type", set_at(["stages", 0, "labels", 0, 1], 5), InvalidDocument,
         r"stages\[0\]\.labels\[0\]\[1\]: expected a string, found 5"),
        ("duplicate label", set_at(["stages", 0, "labels", 0, 1], "red"), InvalidDocument,
         r"stages\[0\]\.labels\[0\]: expected distinct labels"),
        ("columns length", set_at(["stages", 0, "outputCols"], []), InvalidDocument,
         r"stages\[0\]\.outputCols: expected 1 items, found 0"),
        ("handleInvalid", set_at(["stages", 0, "handleInvalid"], "maybe"), InvalidDocument,
         r"handleInvalid: expected one of \['error', 'skip', 'keep'\]"),
        ("child loop", set_at(tree + ["left", 1], 0), InvalidDocument,
         r"trees\[0\]\[node 1\]: expected children after 1"),
        ("feature index", set_at(tree + ["feature", 0], 7), InvalidDocument,
         r"feature below 2"),
        ("category range", set_at(tree + ["leftCategories", 0], [9.0]), InvalidDocument,
         r"leftCategories: expected categories in \[0, 4\)"),
        ("negative stats", set_at(tree + ["stats", 2], [-1.0, 2.0]), InvalidDocument,
         r"stats: expected 2 counts >= 0"),
        ("number as text", set_at(tree + ["threshold", 1], "2.5"), InvalidDocument,
         r"threshold\[1\]: expected a finite number, found '2.5'"),
        ("unknown stage", set_at(["stages", 2, "type"], "PickledModel"), UnsupportedStage,
         r"stages\[2\]: stage type 'PickledModel' is not supported"),
        ("schema edited", set_at(["input_schema", 0, "categories"], ["red"]), InvalidDocument,
         "input_schema does not match"),
        ("not an object", lambda doc: doc["stages"].__setitem__(1, [1, 2]), InvalidDocument,
         r"stages\[1\]: expected an object"),
    ]  # fmt: skip


@pytest.mark.parametrize(("name", "change", "error", "message"), _mutations(),
                         ids=[m[0] for m in _mutations()])  # fmt: skip
def test_validation_names_the_bad_field(tree_doc, name, change, error, message):
    doc = copy.deepcopy(tree_doc)
    change(doc)
    with pytest.raises(error, match=message):
        D.from_document(doc)


def test_invalid_document_carries_the_field(tree_doc):
    doc = copy.deepcopy(tree_doc)
    doc["stages"][0]["labels"][0][2] = None
    with pytest.raises(InvalidDocument) as caught:
        D.from_document(doc)
    assert caught.value.field == "stages[0].labels[0][2]"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"format": "labkit-scorer", "format_version": NaN}', "strict JSON does not allow"),
        ("{not json", "not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply|expected a JSON object"),
        ("[]", "expected a JSON object"),
    ],
)
def test_malformed_text_is_refused(text, message):
    with pytest.raises(InvalidDocument, match=message):
        D.loads(text)


def test_oversized_document_is_refused_before_parsing(tmp_path, monkeypatch):
    path = export(scorer_of(tree_specs()), tmp_path / "m.json")
    monkeypatch.setattr(D, "MAX_DOCUMENT_BYTES", path.stat().st_size - 1)
    with pytest.raises(InvalidDocument, match=f"is {path.stat().st_size:,} bytes, more than"):
        load_scorer(path)


def test_spark_folder_errors(tmp_path):
    with pytest.raises(ModelFolderError, match="not a folder"):
        load_scorer(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelFolderError, match="no metadata/part-"):
        load_scorer(tmp_path / "empty")
    pca = tmp_path / "pca" / "metadata"
    pca.mkdir(parents=True)
    (pca / "part-00000").write_text(
        json.dumps(
            {"class": "org.apache.spark.ml.feature.PCAModel", "uid": "PCA_1", "paramMap": {}}
        )
    )
    with pytest.raises(
        UnsupportedStage, match=r"PCAModel .*not supported.*LogisticRegressionModel"
    ):
        load_scorer(tmp_path / "pca")


def test_nothing_is_written_when_export_fails(tmp_path):
    with pytest.raises(ModelFolderError):
        export(tmp_path / "nowhere", tmp_path / "out.json")
    assert not (tmp_path / "out.json").exists()


# ---------------------------------------------------------------------------
# Hostile documents: every size bounded, every number finite where Spark's are
# ---------------------------------------------------------------------------

TREE = ["stages", 3, "trees", 0]


def _set(doc, path, value):
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (TREE + ["numCategories", 0], 50_000_000,
         r"trees\[0\]\.numCategories\[0\]: expected an integer between -1 and 100000"),
        (TREE + ["prediction", 2], "NaN", r"trees\[0\]\.prediction\[2\]: expected a finite number"),
        (TREE + ["stats", 3], ["Inf", 1.0], r"trees\[0\]\.stats\[3\]\[0\]: expected a finite"),
        (TREE + ["threshold", 1], "-Inf", r"trees\[0\]\.threshold\[1\]: expected a finite"),
        (TREE + ["leftCategories", 0], ["Inf"],
         r"trees\[0\]\.leftCategories\[0\]\[0\]: expected a finite number"),
        (TREE + ["leftCategories", 0], [0.5],
         r"trees\[0\]\[node 0\]\.leftCategories: expected categories in \[0, 4\)"),
        (TREE + ["stats", 2], [0.0, 0.0],
         r"trees\[0\]\[node 2\]\.stats: expected 2 counts >= 0 with a sum > 0"),
        (["stages", 3, "numFeatures"], 10**9, r"stages\[3\]\.numFeatures: expected an integer"),
    ],
    ids=["numCategories", "NaN leaf", "Inf stats", "Inf threshold", "Inf category",
         "fraction category", "zero counts", "huge numFeatures"],
)  # fmt: skip
def test_hostile_tree_fields_are_named(tree_doc, path, value, message):
    doc = copy.deepcopy(tree_doc)
    _set(doc, path, value)
    with pytest.raises(InvalidDocument, match=message) as caught:
        D.from_document(doc)
    assert caught.value.field


def test_huge_numbers_in_the_text_are_named_not_raw_errors(tree_doc):
    text = json.dumps(tree_doc).replace('"numFeatures": 2', '"numFeatures": ' + "9" * 5000)
    assert "9" * 5000 in text
    with pytest.raises(InvalidDocument, match=r"stages\[3\]\.numFeatures: expected an integer"):
        D.loads(text)
    doc = json.loads(export(scorer_of(logistic_specs())))
    doc["stages"][4]["coefficients"][0][0] = 12345
    text = json.dumps(doc).replace("12345", "1" * 400)
    with pytest.raises(InvalidDocument, match=r"stages\[4\]\.coefficients\[0\]\[0\]: expected"):
        D.loads(text)
    text = json.dumps(doc).replace("12345", "1e400")
    with pytest.raises(InvalidDocument, match=r"coefficients\[0\]\[0\]: expected a finite number"):
        D.loads(text)


def test_declared_sizes_must_match_and_allocate_nothing():
    import tracemalloc

    doc = json.loads(export(scorer_of(logistic_specs())))
    for size, message in [
        (50_000_000, r"stages\[2\]\.categorySizes\[0\]: expected an integer between 1 and"),
        (40_000, r"stages\[2\]\.categorySizes\[0\]: expected 4 \(the categories of 'color_idx'"),
    ]:
        bad = copy.deepcopy(doc)
        bad["stages"][2]["categorySizes"][0] = size
        text = json.dumps(bad)
        assert len(text) < 8_000
        tracemalloc.start()
        try:
            with pytest.raises(InvalidDocument, match=message):
                D.loads(text)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 5_000_000


def test_features_width_must_match_the_model():
    doc = json.loads(export(scorer_of(logistic_specs())))
    doc["stages"][3]["inputCols"].append("size")  # the assembler now builds 5 features
    doc["input_schema"] = scorer_of(logistic_specs()).input_schema
    with pytest.raises(InvalidDocument, match=r"stages\[4\]\.numFeatures: expected 5"):
        D.from_document(doc)


def test_forest_with_only_empty_leaves_fails_like_spark_in_rows_and_batches():
    from labkit.errors import InvalidValue

    specs = tree_specs()
    forest = specs[3]
    forest["type"] = "RandomForestClassificationModel"
    tree = copy.deepcopy(forest["trees"][0])
    tree["stats"][2] = [0.0, 0.0]  # Spark skips a tree whose leaf counts sum to 0...
    forest["trees"], forest["treeWeights"] = [tree, copy.deepcopy(tree)], [1.0, 1.0]
    scorer = scorer_of(specs)
    assert scorer.predict({"color": "blue", "size": 1.0}).prediction is not None
    with pytest.raises(InvalidValue, match="sum to 0"):  # ...and fails when every tree does
        scorer.predict({"color": "red", "size": 1.0})
    with pytest.raises(InvalidValue, match="row 1: .*sum to 0"):
        scorer.predict_batch([{"color": "blue", "size": 1.0}, {"color": "red", "size": 1.0}])
