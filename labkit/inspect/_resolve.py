"""Find the single tree to inspect, and everything needed to label its nodes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from labkit.errors import FeatureNamesMismatch, NotATreeModel
from labkit.inspect._nodes import TreeNode, tree_nodes
from labkit.pipeline import Feature
from labkit.sparkfolder import param

_SINGLE_TREES = ("DecisionTreeClassificationModel", "DecisionTreeRegressionModel")


@dataclass(frozen=True)
class TreeView:
    """A tree's nodes with the names to print: the input of every renderer."""

    root: TreeNode
    kind: str  # "classifier" or "regressor"
    model_name: str
    impurity: str
    features: tuple[Feature, ...]
    class_names: tuple[str, ...] | None
    num_features: int


def last_model_stage(model: Any) -> Any:
    """The last stage of a PipelineModel that holds a learnt model; else ``model`` itself."""
    stages = getattr(model, "stages", None)
    if stages is None:
        return model
    for stage in reversed(stages):
        if hasattr(stage, "featureImportances") or hasattr(stage, "coefficients"):
            return stage
    raise NotATreeModel(
        f"The pipeline's stages {[type(s).__name__ for s in stages]} hold no fitted model."
    )


def pipeline_class_names(model: Any) -> tuple[str, ...] | None:
    """Class names from a pipeline's ``IndexToString`` stage (labkit pipelines end with one)."""
    for stage in reversed(getattr(model, "stages", [])):
        if type(stage).__name__ == "IndexToString":
            return tuple(stage.getLabels())
    return None


def single_tree(model: Any, tree: int | None = None) -> Any:
    """Return the one tree to inspect: ``model`` itself, or tree ``tree`` of an ensemble.

    Raises
    ------
    NotATreeModel
        For a model without trees, an ensemble without ``tree=``, or an index out of range.
    """
    model = last_model_stage(model)
    name = type(model).__name__
    if hasattr(model, "trees"):
        count = len(model.trees)
        if tree is None:
            raise NotATreeModel(
                f"{name} holds {count} trees: choose one with tree=0 to tree={count - 1}."
            )
        if not 0 <= tree < count:
            raise NotATreeModel(f"tree={tree} is out of range: {name} has trees 0 to {count - 1}.")
        return model.trees[tree]
    if name not in _SINGLE_TREES:
        raise NotATreeModel(
            f"{name} is not a decision tree: drawing and debug strings need a "
            "DecisionTree* model, or a RandomForest/GBT model with tree=."
        )
    if tree is not None:
        raise NotATreeModel(f"tree={tree} only applies to ensembles; {name} is a single tree.")
    return model


def tree_view(
    model: Any,
    *,
    tree: int | None = None,
    feature_names: Sequence[str | Feature] | None = None,
    class_names: Sequence[str] | None = None,
) -> TreeView:
    """Read the chosen tree's nodes and pair them with feature and class names."""
    single = single_tree(model, tree)
    root, meta = tree_nodes(single)
    num_features = int(meta["numFeatures"])
    is_classifier = "numClasses" in meta
    if class_names is None and is_classifier:
        class_names = pipeline_class_names(model)
    if is_classifier:
        class_names = _class_names(class_names, int(meta["numClasses"]))
    return TreeView(
        root=root,
        kind="classifier" if is_classifier else "regressor",
        model_name=type(single).__name__,
        impurity=param(meta, "impurity", "impurity"),
        features=_features(feature_names, num_features),
        class_names=class_names if is_classifier else None,
        num_features=num_features,
    )


def _features(names: Sequence[str | Feature] | None, num_features: int) -> tuple[Feature, ...]:
    if names is None:
        return tuple(Feature(i, f"feature {i}", f"feature {i}") for i in range(num_features))
    if len(names) != num_features:
        raise FeatureNamesMismatch(
            f"Got {len(names)} feature names, but the model was fitted on {num_features} "
            "features. Pass the names of the assembled column the model saw, e.g. "
            "pipeline_features(pipeline_model, data)."
        )
    return tuple(n if isinstance(n, Feature) else Feature(i, n, n) for i, n in enumerate(names))


def _class_names(names: Sequence[str] | None, num_classes: int) -> tuple[str, ...]:
    if names is None:
        return tuple(f"class {i}" for i in range(num_classes))
    if len(names) != num_classes:
        raise FeatureNamesMismatch(
            f"Got {len(names)} class names, but the model predicts {num_classes} classes."
        )
    return tuple(names)
