"""labkit.inspect: names in debug strings, DOT checked against the model, importances."""

from __future__ import annotations

import html
import re
import shutil

import pytest
from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.regression import DecisionTreeRegressor
from pyspark.sql import functions as F

from labkit.errors import FeatureNamesMismatch, NotATreeModel
from labkit.inspect import (
    debug_string,
    draw_tree,
    feature_importances,
    plot_feature_importances,
    tree_to_dot,
)
from labkit.inspect._nodes import Split, TreeNode
from labkit.inspect._resolve import TreeView
from labkit.inspect.dot import render_graph
from labkit.inspect.text import render_text
from labkit.pipeline import (
    ColumnSpec,
    Feature,
    adult_spec,
    feature_stages,
    fit_pipeline,
    index_label,
    pipeline_features,
)

NODE_LINE = re.compile(r'^\t(\d+) \[label="(.*?)" fillcolor="(#[0-9a-f]{6})"', re.M)

# --- exact output on a hand-made tree -------------------------------------


@pytest.fixture(scope="module")
def small_view():
    """colour in {blue} -> yes; else size <= 5.5 -> no / a tied leaf."""
    leaf = TreeNode
    right = TreeNode(
        2, 0.0, 0.2449, (6.0, 1.0), 7, 0.1, Split(0, threshold=5.5),
        left=leaf(3, 0.0, 0.0, (5.0, 0.0), 5, -1.0), right=leaf(4, 0.0, 0.5, (1.0, 1.0), 2, -1.0),
    )  # fmt: skip
    root = TreeNode(
        0, 0.0, 0.48, (6.0, 4.0), 10, 0.2, Split(1, left_categories=(2,), num_categories=4),
        left=leaf(1, 1.0, 0.0, (0.0, 3.0), 3, -1.0), right=right,
    )  # fmt: skip
    features = (
        Feature(0, "size", "size"),
        Feature(1, "colour", "colour", categories=("red", "green", "blue", "__unknown")),
    )
    return TreeView(root, "classifier", "DecisionTreeClassificationModel", "gini", features,
                    ("no", "yes"), 2)  # fmt: skip


def test_debug_string_of_a_small_tree(small_view):
    assert render_text(small_view) == "\n".join([
        "DecisionTreeClassificationModel: depth=2, numNodes=5, numClasses=2, numFeatures=2",
        "  If (colour in {blue})",
        "   Predict: yes",
        "  Else (colour not in {blue})",
        "   If (size <= 5.5)",
        "    Predict: no",
        "   Else (size > 5.5)",
        "    Predict: no",
    ])  # fmt: skip
    assert render_text(small_view, max_depth=0).splitlines()[1:] == [
        "  If (colour in {blue})",
        "   ... 1 node, mostly yes",
        "  Else (colour not in {blue})",
        "   ... 3 nodes, mostly no",
    ]


def _node(node_id: int, lines: str, fill: str) -> str:
    label = lines.replace("|", r"\n")
    return f'\t{node_id} [label="{label}" fillcolor="{fill}"]'


def test_dot_of_a_small_tree(small_view):
    # colours: class colour mixed with white by (top share - second share) / (1 - second share)
    assert render_graph(small_view).source == "\n".join([
        "digraph tree {",
        "\tgraph [nodesep=0.25 ranksep=0.35]",
        '\tnode [color="#444444" fontname=Helvetica fontsize=10 shape=box style="filled, rounded"]',
        '\tedge [color="#444444" fontname=Helvetica fontsize=9]',
        _node(0, "colour in {blue}|gini = 0.48|samples = 10|no: 6|yes: 4|class = no", "#f6d5bd"),
        "\t0 -> 1 [label=yes]",
        _node(1, "gini = 0|samples = 3|no: 0|yes: 3|class = yes", "#399de5"),
        "\t0 -> 2 [label=no]",
        _node(2, "size <= 5.5|gini = 0.245|samples = 7|no: 6|yes: 1|class = no", "#e9965a"),
        "\t2 -> 3 [label=yes]",
        _node(3, "gini = 0|samples = 5|no: 5|yes: 0|class = no", "#e58139"),
        "\t2 -> 4 [label=no]",
        _node(4, "gini = 0.5|samples = 2|no: 1|yes: 1|class = no", "#ffffff"),
        "}",
        "",
    ])  # fmt: skip


def test_dot_hides_deep_subtrees_in_dashed_boxes(small_view):
    source = render_graph(small_view, max_depth=0).source
    assert r'1 [label="... 1 node" fillcolor="#ffffff" style="dashed, rounded"]' in source
    assert r'2 [label="... 3 nodes" fillcolor="#ffffff" style="dashed, rounded"]' in source
    assert source.count("samples =") == 1


# --- a real Adult tree ------------------------------------------------------


@pytest.fixture(scope="module")
def spec():
    return adult_spec()


@pytest.fixture(scope="module")
def tree_model(adult_train, spec):
    return fit_pipeline(adult_train, spec, "decision_tree", params={"maxDepth": 4})


@pytest.fixture(scope="module")
def names(tree_model, adult_train):
    return pipeline_features(tree_model, adult_train)


@pytest.fixture(scope="module")
def tree_dot(tree_model, names):
    return tree_to_dot(tree_model, feature_names=names)


def _leaf_class_counts(tree_model, adult_train, spec):
    """Rows per (leaf, class), from Spark's own leafCol (leaves numbered left to right)."""
    features = PipelineModel(stages=tree_model.stages[:-2]).transform(
        index_label(adult_train, spec)
    )
    leaves = tree_model.stages[-2].copy().setLeafCol("leaf").transform(features)
    counts: dict[int, list[int]] = {}
    for row in leaves.groupBy("leaf", "label").count().collect():
        counts.setdefault(int(row["leaf"]), [0, 0])[int(row["label"])] = row["count"]
    return [counts[leaf] for leaf in sorted(counts)]


def test_dot_has_one_node_per_tree_node_with_the_model_counts(
    tree_model, tree_dot, adult_train, spec
):
    nodes = NODE_LINE.findall(tree_dot)
    assert [int(i) for i, _, _ in nodes] == list(range(tree_model.stages[-2].numNodes))
    labels = {int(i): label.split(r"\n") for i, label, _ in nodes}
    edges = [tuple(map(int, e)) for e in re.findall(r"\t(\d+) -> (\d+)", tree_dot)]
    children = {parent: [c for p, c in edges if p == parent] for parent, _ in edges}

    def counts(node_id):
        lines = labels[node_id]
        found = [next(x for x in lines if x.startswith(f"{c}: ")) for c in spec.classes]
        return [int(x.split(": ")[1].replace(",", "")) for x in found]

    assert sum(counts(0)) == adult_train.count()
    for parent, kids in children.items():
        assert [sum(pair) for pair in zip(*map(counts, kids), strict=True)] == counts(parent)
    leaves = [i for i in labels if i not in children]  # pre-order ids: left to right
    assert [counts(i) for i in leaves] == _leaf_class_counts(tree_model, adult_train, spec)
    for i in leaves:
        predicted = labels[i][-1].removeprefix("class = ")
        assert predicted == spec.classes[max(range(2), key=lambda c, i=i: counts(i)[c])]


def test_dot_names_real_features_and_category_labels(tree_dot, tree_model, spec):
    splits = [label.split(r"\n")[0] for _, label, _ in NODE_LINE.findall(tree_dot)]
    splits = [s for s in splits if not s.startswith("gini")]
    assert splits and not any(re.search(r"feature \d", s) for s in splits)
    indexer = tree_model.stages[0]
    labels = dict(zip(spec.categorical, indexer.labelsArray, strict=True))
    for split in splits:
        name = re.match(r"(.+?) (<=|in|not in) ", split).group(1)
        assert name in spec.inputs
        if name in labels:
            shown = re.search(r"\{(.*)\}", split).group(1).split(", ")
            assert set(shown) <= {*labels[name], "__unknown"}, split


def test_dot_renders_with_the_installed_dot(tree_model, names):
    if shutil.which("dot") is None:
        pytest.fail("Graphviz `dot` is not on PATH: see docs/contributing.md")
    svg = draw_tree(tree_model, feature_names=names).pipe(format="svg").decode()
    assert svg.count('class="node"') == tree_model.stages[-2].numNodes
    assert "samples = 32,561" in html.unescape(svg)


def test_debug_string_follows_sparks_own_with_names(tree_model, names, spec):
    ours = debug_string(tree_model, feature_names=names).splitlines()
    spark = tree_model.stages[-2].toDebugString.splitlines()
    assert ours[0] == re.sub(r"uid=\w+, ", "", spark[0])
    assert len(ours) == len(spark)
    for mine, theirs in zip(ours[1:], spark[1:], strict=True):
        indent = len(theirs) - len(theirs.lstrip())
        assert mine[:indent] == theirs[:indent] and mine[indent] != " "
        keyword = theirs.split()[0]
        assert mine.split()[0] == keyword
        if keyword == "Predict:":
            assert mine.split(": ")[1] == spec.classes[int(float(theirs.split(": ")[1]))]
        else:
            assert _goes_left(mine, names) == _spark_goes_left(theirs, names)


def _spark_goes_left(line, names):
    """Test oracle: the set of (feature, value) a Spark debug line sends to its branch."""
    match = re.search(r"feature (\d+) (<=|>|in|not in) \{?([^})]*)\}?\)", line)
    feature = names[int(match.group(1))]
    if match.group(2) in ("<=", ">"):
        return feature.name, match.group(2), float(match.group(3))
    values = {feature.categories[int(float(v))] for v in match.group(3).split(",")}
    inside = values if match.group(2) == "in" else set(feature.categories) - values
    return feature.name, "in", frozenset(inside)


def _goes_left(line, names):
    by_name = {f.name: f for f in names}
    match = re.search(r"\((.+?) (<=|>|in|not in) \{?([^})]*)\}?\)$", line)
    feature = by_name[match.group(1)]
    if match.group(2) in ("<=", ">"):
        return feature.name, match.group(2), float(match.group(3))
    values = set(match.group(3).split(", "))
    inside = values if match.group(2) == "in" else set(feature.categories) - values
    return feature.name, "in", frozenset(inside)


def test_max_depth_keeps_the_top_levels(tree_model, names):
    source = tree_to_dot(tree_model, feature_names=names, max_depth=1)
    shown = source.count("samples =")
    assert shown == 1 + 2  # a depth-4 Adult tree splits at the root and at both children
    hidden = re.findall(r'label="\.\.\. (\d+) nodes?"', source)
    assert shown + sum(map(int, hidden)) == tree_model.stages[-2].numNodes


def test_out_file_gets_the_same_dot(tree_model, names, tree_dot, tmp_path):
    target = tmp_path / "tree.dot"
    assert tree_to_dot(tree_model, feature_names=names, out_file=target) is None
    assert target.read_text() == tree_dot


# --- regressors and ensembles ----------------------------------------------


def test_regression_tree_shows_mean_and_variance(adult_train, spec):
    numeric = tuple(c for c in spec.numeric if c != "hours-per-week")
    reg_spec = ColumnSpec(spec.categorical, numeric, "hours-per-week", ("n/a", "n/a2"))
    regressor = DecisionTreeRegressor(labelCol="hours-per-week", maxDepth=2, maxBins=64)
    model = Pipeline(stages=[*feature_stages(reg_spec), regressor]).fit(adult_train)
    source = tree_to_dot(model, feature_names=pipeline_features(model, adult_train))
    root = NODE_LINE.search(source).group(2).split(r"\n")
    stats = adult_train.agg(F.avg("hours-per-week"), F.var_pop("hours-per-week")).first()
    assert root[1].startswith("variance = ")
    assert float(root[1].split(" = ")[1]) == pytest.approx(stats[1], abs=5e-4)
    assert root[2] == f"samples = {adult_train.count():,}"
    assert float(root[3].removeprefix("value = ")) == pytest.approx(stats[0], abs=5e-4)
    assert "class =" not in source


@pytest.fixture(scope="module")
def forest(adult_train, spec):
    return fit_pipeline(adult_train, spec, "random_forest", params={"numTrees": 3, "maxDepth": 3})


def test_any_tree_of_a_forest(forest, names):
    trees = forest.stages[-2].trees
    with pytest.raises(NotATreeModel, match="holds 3 trees: choose one with tree=0 to tree=2"):
        draw_tree(forest, feature_names=names)
    with pytest.raises(NotATreeModel, match="tree=3 is out of range"):
        draw_tree(forest, feature_names=names, tree=3)
    source = tree_to_dot(forest, feature_names=names, tree=1)
    assert len(NODE_LINE.findall(source)) == trees[1].numNodes
    assert "class = " in source


def test_a_gbt_tree_is_a_regression_tree(adult_train, spec, names):
    gbt = fit_pipeline(adult_train, spec, "gbt", params={"maxIter": 2, "maxDepth": 2})
    text = debug_string(gbt, feature_names=names, tree=0)
    assert text.startswith("DecisionTreeRegressionModel: depth=2")
    assert "numClasses" not in text
    assert len(re.findall("Predict: ", text)) == (gbt.stages[-2].trees[0].numNodes + 1) // 2


def test_not_a_tree_and_wrong_name_counts_are_explained(tree_model, names):
    with pytest.raises(NotATreeModel, match="StringIndexerModel is not a decision tree"):
        debug_string(tree_model.stages[0])
    with pytest.raises(NotATreeModel, match="tree=0 only applies to ensembles"):
        debug_string(tree_model, tree=0)
    with pytest.raises(FeatureNamesMismatch, match="Got 13 feature names.*on 14 features"):
        draw_tree(tree_model, feature_names=names[:-1])
    with pytest.raises(NotATreeModel, match="hold no fitted model"):
        feature_importances(PipelineModel(stages=tree_model.stages[:-2]))


# --- importances ------------------------------------------------------------


def test_importances_table_matches_the_model_by_name(tree_model, names):
    table = feature_importances(tree_model, feature_names=names)
    raw = tree_model.stages[-2].featureImportances.toArray()
    assert list(table.columns) == ["feature", "importance"]
    assert table["importance"].sum() == pytest.approx(1.0)
    assert table["importance"].is_monotonic_decreasing
    by_name = dict(zip(table["feature"], table["importance"], strict=True))
    assert by_name == {f.name: raw[f.index] for f in names}


def test_importance_chart_draws_the_top_features(tree_model, names):
    table = feature_importances(tree_model, feature_names=names)
    figure = plot_feature_importances(tree_model, feature_names=names, top=5)
    axes = figure.axes[0]
    bars = [patch.get_width() for patch in axes.patches]
    ticks = [t.get_text() for t in axes.get_yticklabels()]
    assert bars == list(table["importance"][:5][::-1])
    assert ticks == list(table["feature"][:5][::-1])
