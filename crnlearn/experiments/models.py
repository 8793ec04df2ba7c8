"""The models a sweep compares, by name.

A :class:`ModelSpec` says how to build an estimator for one point of the grid
(``n_components`` = K selected reactions or hidden neurons, and a seed) and
what to record about it once fitted (sizes, a learning curve, the selected
reactions). The registry :data:`MODELS` maps names to specs; the built-in
ones are

- ``"crn"``: :class:`crnlearn.CRNClassifier` with ``n_reactions=K``;
- ``"crn-signed"``: :class:`crnlearn.learn.signed.SignedCRNClassifier`, the
  single-layer learner with signed weights and softmax-driven gains, with
  ``n_reactions=K``;
- ``"snn-hidden"``: :class:`crnlearn.SpikingClassifier` with ``K`` hidden
  neurons;
- ``"snn-none"``: the spiking network without hidden layer (its output
  layer reads the inputs directly; K plays no part, so it runs once per
  seed).

Other models join with :func:`register_model`; any scikit-learn classifier
works.
"""

import copy
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from .._blas import single_blas_thread
from ..aggregation import cumulative_regret

__all__ = [
    "ModelSpec",
    "MODELS",
    "register_model",
    "get_model",
    "curve_checkpoints",
    "CURVE_POINTS",
    "REGRET_POINTS",
]

logger = logging.getLogger(__name__)

#: Points of a learning curve: enough to see its shape, few enough to stay
#: cheap (each point is one pass over the test set).
CURVE_POINTS = 16
#: Points kept of each class's regret curve in a record.
REGRET_POINTS = 64
#: Significant digits kept of the learned weights written to records.
WEIGHT_DIGITS = 6


@dataclass(frozen=True)
class ModelSpec:
    """How to build and inspect one model of a comparison.

    Parameters
    ----------
    name : str
        Registry name, used on the command line and in record keys (letters,
        digits, ``-`` and ``_``).
    build : callable
        ``build(n_components, random_state, **params) -> estimator``; an
        unfitted scikit-learn-style classifier. ``n_components`` is None when
        ``uses_k`` is False.
    label : str, optional
        Name in tables and figures; default ``name``.
    family : {"chemical", "spiking", "reference"}, default="reference"
        Which kind of learner; decides how sizes are plotted.
    uses_k : bool, default=True
        Whether K changes the model; a model that ignores K runs once per seed.
    defaults : mapping, default={}
        The model's tunable parameters and their default values; only these
        keys may be overridden in a sweep, and all of them are recorded.
    inspect : callable, optional
        ``inspect(estimator, data, y_pred) -> dict`` of extra record fields
        computed after fitting and predicting (JSON-serialisable): ``sizes``,
        ``learning_curve``, ... ``y_pred`` is the prediction on the test set.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> spec = ModelSpec(
    ...     "logreg", lambda k, seed, C: LogisticRegression(C=C), uses_k=False,
    ...     defaults={"C": 1.0},
    ... )
    >>> spec.params({"C": 0.5, "n_steps": 10})
    {'C': 0.5}
    """

    name: str
    build: Callable
    label: str = ""
    family: str = "reference"
    uses_k: bool = True
    defaults: Mapping = field(default_factory=dict)
    inspect: Callable | None = None

    def __post_init__(self):
        allowed = set("abcdefghijklmnopqrstuvwxyz0123456789-_")
        if not self.name or not set(self.name.lower()) <= allowed:
            raise ValueError(
                f"model name must use letters, digits, '-' and '_'; got {self.name!r}."
            )
        if self.family not in ("chemical", "spiking", "reference"):
            raise ValueError(
                "family must be 'chemical', 'spiking' or 'reference'; got "
                f"{self.family!r}."
            )
        if not self.label:
            object.__setattr__(self, "label", self.name)

    def params(self, overrides=None):
        """The model's parameters: its defaults updated by the overrides it knows."""
        params = dict(self.defaults)
        for key, value in (overrides or {}).items():
            if key in params:
                params[key] = value
        return params


MODELS = {}


def register_model(spec, *, replace=False):
    """Add a model to the registry :data:`MODELS`.

    Parameters
    ----------
    spec : ModelSpec
    replace : bool, default=False
        Allow replacing a model of the same name.

    Returns
    -------
    ModelSpec
        The spec, so the call can be used as an expression.
    """
    if not isinstance(spec, ModelSpec):
        raise TypeError(f"spec must be a ModelSpec; got {type(spec).__name__}.")
    if spec.name in MODELS and not replace:
        raise ValueError(
            f"a model named {spec.name!r} is registered already; pass replace=True "
            f"to replace it."
        )
    MODELS[spec.name] = spec
    return spec


def get_model(name):
    """The registered spec of a model, with an error listing the known names."""
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(
            f"unknown model {name!r}; choose from {sorted(MODELS)}."
        ) from None


def curve_checkpoints(n_rounds, n_points=CURVE_POINTS):
    """Numbers of presented images at which a learning curve is measured.

    Roughly geometric from 1 to ``n_rounds`` (the early rounds change the
    most), always including 0 and ``n_rounds``.

    Examples
    --------
    >>> curve_checkpoints(100, 6).tolist()
    [0, 1, 3, 10, 32, 100]
    """
    if n_rounds < 1:
        return np.array([0])
    points = np.geomspace(1, n_rounds, max(n_points - 1, 2))
    return np.unique(np.concatenate([[0], np.round(points).astype(int)]))


def _accuracy_from_scores(scores, classes, y):
    return float(np.mean(classes[np.argmax(scores, axis=1)] == y))


# --- the chemical learner -------------------------------------------------------


def _build_crn(n_components, random_state, **params):
    from .. import CRNClassifier

    return CRNClassifier(n_reactions=n_components, random_state=random_state, **params)


def _crn_sizes(estimator):
    sizes = getattr(estimator, "sizes", None)
    if callable(sizes):
        return dict(sizes())
    network = estimator.to_network()
    return {"species": int(network.n_species), "reactions": int(network.n_reactions)}


def _crn_learning_curve(estimator, data):
    """Test accuracy with the weights in force after each number of images.

    The selected reactions are fixed before learning (chosen from the training
    inputs' fluxes); only the weights move, and ``weight_history_`` holds them
    before each image. So one fit gives the whole curve exactly.
    """
    history = np.asarray(estimator.weight_history_)
    n_rounds = len(history)
    fluxes = np.asarray(estimator.complex_fluxes(data.X_test))
    classes = np.asarray(estimator.classes_)
    checkpoints = curve_checkpoints(n_rounds)
    accuracy = []
    for m in checkpoints:
        weights = history[m] if m < n_rounds else np.asarray(estimator.weights_)
        accuracy.append(_accuracy_from_scores(fluxes @ weights.T, classes, data.y_test))
    return {"n_images": checkpoints.tolist(), "accuracy": accuracy}


def _crn_regret(estimator):
    """Each class's cumulative regret, subsampled, with the EWA bound if known.

    The bound comes from :func:`crnlearn.theory.classifier_regret`; without
    that module only the regret is recorded (from the gains and weights).
    """
    try:
        from ..theory import classifier_regret
    except ImportError:
        classifier_regret = None
    if classifier_regret is not None:
        result = classifier_regret(estimator)
        regret, bound = result.regret, result.bound
        optimal = result.optimal_bound
    else:
        regret = cumulative_regret(
            np.asarray(estimator.gains_), np.asarray(estimator.weight_history_)
        )
        bound = optimal = None
    n_rounds = len(regret)
    rounds = np.unique(np.geomspace(1, n_rounds, min(REGRET_POINTS, n_rounds)))
    rounds = np.unique(np.round(rounds).astype(int))
    out = {
        "n_rounds": rounds.tolist(),
        "regret": regret[rounds - 1].T.tolist(),
        "classes": np.asarray(estimator.classes_).tolist(),
        "n_experts": int(np.shape(estimator.gains_)[-1]),
    }
    if bound is not None:
        out["bound"] = np.asarray(bound)[rounds - 1].tolist()
        out["optimal_bound"] = np.asarray(optimal)[rounds - 1].tolist()
        out["learning_rate"] = float(result.learning_rate)
        out["gain_range"] = [float(v) for v in result.gain_range]
    return out


def _crn_inspect(estimator, data, y_pred):
    weights = np.asarray(estimator.weights_, dtype=float)
    extra = {
        "sizes": _crn_sizes(estimator),
        "learning_curve": _crn_learning_curve(estimator, data),
        "regret": _crn_regret(estimator),
        "selected": {
            "complexes": [[int(i) for i in s] for s in estimator.complexes_],
            "weights": [
                [float(f"{w:.{WEIGHT_DIGITS}g}") for w in row] for row in weights
            ],
            "classes": np.asarray(estimator.classes_).tolist(),
            "n_features": int(estimator.n_features_in_),
            "class_means": _class_means(estimator, data),
        },
    }
    return extra


def _class_means(estimator, data):
    """Mean input concentrations of each class's training samples (a backdrop)."""
    X = np.asarray(estimator.encoder_.transform(data.X_train), dtype=float)
    y = np.asarray(data.y_train)
    return [
        [round(float(v), 4) for v in X[y == c].mean(axis=0)]
        if np.any(y == c) else [0.0] * X.shape[1]
        for c in estimator.classes_
    ]


def _build_crn_signed(n_components, random_state, **params):
    from ..learn.signed import SignedCRNClassifier

    return SignedCRNClassifier(
        n_reactions=n_components, random_state=random_state, **params
    )


def _crn_signed_inspect(estimator, data, y_pred):
    return {
        "sizes": {
            "species": int(estimator.n_network_species_),
            "reactions": int(estimator.n_network_reactions_),
        }
    }


# --- the spiking baselines ------------------------------------------------------


#: Parameters of the spiking networks a sweep may set, at the classifier's
#: defaults except the encoding: inputs are taken as firing probabilities as
#: they are, like the reference protocol's pixels / 16.
SNN_DEFAULTS = {
    "n_steps": 2000,
    "aggregation": "ewa",
    "learning_rate": "auto",
    "encoding": None,
}


def _build_snn_hidden(n_components, random_state, **params):
    from .. import SpikingClassifier

    return SpikingClassifier(n_hidden=n_components, random_state=random_state, **params)


def _build_snn_none(n_components, random_state, **params):
    from .. import SpikingClassifier

    return SpikingClassifier(n_hidden=None, random_state=random_state, **params)


def _snn_replay_accuracy(estimator, weights, data):
    """Test accuracy of the spiking network under each output weight matrix.

    Replays :meth:`~crnlearn.SpikingClassifier.predict` once over the test
    set: each sample's input and hidden spikes come from the generator
    ``predict`` seeds for that sample, and the output layer's uniforms are
    the next draw of that generator, the same whatever the output weights.
    Drawing them once and comparing them with the potential under every
    weight matrix (computed as :class:`~crnlearn.snn.hawkes.HawkesLayer`
    computes it, in float32) gives, for each matrix, the accuracy ``predict``
    would give with it, at the cost of about one prediction.
    """
    from ..snn.classifier import _sample_generator
    from ..snn.hawkes import SPIKE_DTYPE

    X = estimator.encoder_.transform(np.asarray(data.X_test, dtype=np.float64))
    inputs = estimator._input_layer()
    hidden = estimator._hidden_layer(estimator._selected_weights())
    transposed = [
        np.ascontiguousarray(np.asarray(w, dtype=SPIKE_DTYPE).T) for w in weights
    ]
    n_classes = len(estimator.classes_)
    uniform = np.empty((estimator.n_steps, n_classes), dtype=SPIKE_DTYPE)
    potential = np.empty_like(uniform)
    classes = np.asarray(estimator.classes_)
    correct = np.zeros(len(weights))
    # One BLAS thread, as in predict: the products are small and many.
    with single_blas_thread():
        for x, label in zip(X, data.y_test, strict=True):
            rng = _sample_generator(estimator.prediction_seed_, x)
            presynaptic = np.asarray(
                estimator._forward(x, rng, inputs, hidden)[-1], dtype=SPIKE_DTYPE
            )
            rng.random(out=uniform, dtype=SPIKE_DTYPE)
            for i, w in enumerate(transposed):
                np.matmul(presynaptic, w, out=potential)
                counts = np.count_nonzero(uniform < potential, axis=0)
                correct[i] += classes[np.argmax(counts)] == label
    return correct / len(X)


def _snn_learning_curve(estimator, data, y_pred):
    """Test accuracy with the output weights in force after each image.

    The output layer's weights before each of its training images are in
    ``weight_history_``, and prediction draws its spikes from generators
    seeded per sample, so every checkpoint sees the same input and hidden
    spikes (:func:`_snn_replay_accuracy`). The images spent on the hidden
    layer (training and selection) count as presented: the curve starts
    after them.
    """
    history = np.asarray(estimator.weight_history_)
    n_rounds = len(history)
    offset = len(data.y_train) - n_rounds
    checkpoints = curve_checkpoints(n_rounds)
    weights = [
        history[m] if m < n_rounds else np.asarray(estimator.weights_)
        for m in checkpoints
    ]
    final = float(np.mean(y_pred == data.y_test))
    try:
        accuracy = _snn_replay_accuracy(estimator, weights, data)
    except (AttributeError, ImportError, TypeError) as exc:
        logger.info("no fast replay of the spiking prediction (%s)", exc)
        accuracy = None
    if accuracy is None or not np.isclose(accuracy[-1], final):
        # The replay must reproduce predict; if it does not, use predict itself.
        if accuracy is not None:
            logger.warning(
                "replayed spiking accuracy %.4f differs from predict's %.4f; "
                "measuring the learning curve with predict", accuracy[-1], final,
            )
        probe = copy.copy(estimator)
        accuracy = []
        for w in weights[:-1]:
            probe.weights_ = w
            accuracy.append(float(np.mean(probe.predict(data.X_test) == data.y_test)))
        accuracy.append(final)
    return {
        "n_images": (checkpoints + offset).tolist(),
        "accuracy": [float(a) for a in accuracy],
    }


def _snn_inspect(estimator, data, y_pred):
    return {
        "sizes": {
            "neurons": int(estimator.n_neurons_),
            "synapses": int(estimator.n_synapses_),
            "neurons_trained": int(estimator.n_neurons_trained_),
            "synapses_trained": int(estimator.n_synapses_trained_),
            "spikes_simulated": int(estimator.n_spikes_simulated_),
        },
        "learning_curve": _snn_learning_curve(estimator, data, y_pred),
    }


register_model(
    ModelSpec(
        "crn",
        _build_crn,
        label="CRN",
        family="chemical",
        defaults={"encoding": None},
        inspect=_crn_inspect,
    )
)
register_model(
    ModelSpec(
        "crn-signed",
        _build_crn_signed,
        label="signed CRN",
        family="chemical",
        defaults={"encoding": None},
        inspect=_crn_signed_inspect,
    )
)
register_model(
    ModelSpec(
        "snn-hidden",
        _build_snn_hidden,
        label="SNN, hidden layer",
        family="spiking",
        defaults=SNN_DEFAULTS,
        inspect=_snn_inspect,
    )
)
register_model(
    ModelSpec(
        "snn-none",
        _build_snn_none,
        label="SNN, no hidden layer",
        family="spiking",
        uses_k=False,
        defaults=SNN_DEFAULTS,
        inspect=_snn_inspect,
    )
)
