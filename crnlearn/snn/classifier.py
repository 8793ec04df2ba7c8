"""The spiking classifier the learning CRN is compared with (docs/MODEL.md section 4).

A feed-forward network of linear Hawkes units (see :mod:`crnlearn.snn.hawkes`)
learns by expert aggregation, layer by layer, while the training images are
presented one after the other for ``n_steps`` time steps each:

1. hidden training: one pair-detecting hidden neuron per input pair ``(i, j)``
   aggregates all inputs; the gain of input ``k`` is the fraction of steps in
   which ``k``, ``i`` and ``j`` all spike;
2. selection: the ``n_hidden`` hidden neurons with the highest peak firing
   rate on further images are kept;
3. output training: one output neuron per class aggregates the kept hidden
   neurons (or, without hidden layer, the inputs) with gain ``+a * P_h`` for
   the true class and ``-b * P_h`` for the others, ``P_h`` the firing rate of
   presynaptic neuron ``h`` on that image.

The predicted class is the output neuron that spikes most.
"""

import logging
import numbers
import time
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._blas import single_blas_thread
from ..aggregation import AGGREGATIONS
from ..encoding import ENCODINGS, ConcentrationEncoder
from .hawkes import (
    HawkesLayer,
    InputLayer,
    candidate_pairs,
    coincidence_gains,
    fit_aggregation,
)

__all__ = ["SpikingClassifier"]

logger = logging.getLogger(__name__)

#: Output-layer EWA learning rate with a hidden layer (docs/MODEL.md section 4).
OUTPUT_LEARNING_RATE = 0.002
#: Output-layer EWA learning rate without hidden layer, reading the inputs.
INPUT_LEARNING_RATE = 0.0005
#: Most time steps per sample: spike counts are summed exactly in float32.
MAX_STEPS = 2**24


def _make_generator(random_state):
    """A numpy Generator from None, an int, a Generator or a RandomState."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or isinstance(random_state, numbers.Integral):
        return np.random.default_rng(random_state)
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    return np.random.default_rng(seed)


def _sample_generator(seed, x):
    """The generator of one predicted sample: seeded by ``seed`` and the 32-bit
    words of the sample's float64 values, so that a prediction depends on the
    sample only, not on its position or neighbours in ``X``."""
    words = np.ascontiguousarray(x, dtype=np.float64).view(np.uint32)
    return np.random.default_rng([seed, *words.tolist()])


def _check_number(name, value, low, high=None, low_open=False, integer=False):
    """Return ``value`` if it is a number in the interval, else raise."""
    kind = numbers.Integral if integer else numbers.Real
    ok = isinstance(value, kind) and not isinstance(value, bool)
    if ok:
        ok = (value > low if low_open else value >= low) and (
            high is None or value <= high
        )
    if not ok:
        left = "(" if low_open else "["
        right = f"{high}]" if high is not None else "inf)"
        what = "an integer" if integer else "a number"
        raise ValueError(
            f"SpikingClassifier: {name} must be {what} in {left}{low}, {right}; "
            f"got {value!r}."
        )
    return value


class SpikingClassifier(ClassifierMixin, BaseEstimator):
    """Spiking network of linear Hawkes units trained by expert aggregation.

    The baseline of docs/MODEL.md section 4 (the CHANI network): input neurons
    spike with probability ``p * x_i``; an optional hidden layer of
    pair-detecting neurons, one per input pair ``(i, j)`` with ``i < j``,
    trained on the first ``n_hidden_train`` training samples and pruned to
    the ``n_hidden`` neurons with the highest peak firing rate on the next
    ``n_selection`` samples; and one output neuron per class, trained on the
    remaining samples. With ``n_hidden=None`` there is no hidden layer and the
    output neurons read the inputs directly (the HAN-like network), trained
    on all samples.

    Every unit spikes at step ``t`` with probability
    ``clip(-nu + sum_k w_k s_k(t), 0, 1)`` (``nu = hidden_threshold`` for the
    hidden neurons, 0 for the outputs), where ``s_k(t)`` are the spikes of its
    presynaptic neurons *at the same step*: the linear Hawkes unit with an
    instantaneous kernel, so a sample's ``n_steps`` steps are independent
    given the input.

    Parameters
    ----------
    n_hidden : int or None, default=50
        ``K``, the number of hidden neurons kept, between 1 and
        ``d * (d - 1) / 2``; None for no hidden layer.
    aggregation : {"ewa", "pwa"}, default="ewa"
        The rule of every layer: Exponentially Weighted Average or
        Polynomially Weighted Average (exponent ``exponent``).
    n_steps : int, default=2000
        ``N``, time steps per presented sample.
    spike_probability : float, default=1.0
        ``p`` in ``(0, 1]``: input neuron ``i`` spikes with probability
        ``p * x_i``.
    hidden_threshold : float, default=0.5
        ``nu``, subtracted from the potential of the hidden neurons.
    n_hidden_train : int, default=40
        ``M0``, samples (the first ones) that train the hidden layer.
    n_selection : int, default=40
        ``M0_sel``, samples (the next ones) on which the hidden neurons are
        selected.
    hidden_learning_rate : float, default=3.0
        EWA learning rate of the hidden layer; unused by PWA. The four
        hidden-layer parameters are unused when ``n_hidden`` is None.
    learning_rate : "auto" or float, default="auto"
        EWA learning rate of the output layer; "auto" is 0.002 with a hidden
        layer and 0.0005 without; unused by PWA.
    reward, penalty : float, default=10.0
        Output gains: ``+reward * P_h`` for the true class, ``-penalty * P_h``
        for the others.
    exponent : float, default=2.0
        PWA exponent (> 1).
    encoding : {"minmax", None}, default="minmax"
        How features become firing probabilities in ``[0, 1]``; see
        :class:`crnlearn.encoding.ConcentrationEncoder`. For the reference
        digits protocol (pixels / 16 already) use ``None``: it keeps the
        public protocol's inputs exactly, whereas ``"minmax"`` stretches
        features whose training maximum is below 1 and zeroes constant ones.
    random_state : int, numpy.random.Generator, RandomState or None, \
default=None
        Seeds every random step: spikes, the selection tie-break and the
        seed of prediction. A Generator is used (and advanced) as given.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
        ``d``, the number of input neurons.
    encoder_ : ConcentrationEncoder
        The fitted input encoding.
    pairs_ : ndarray of shape (n_pairs, 2)
        The input pair of every candidate hidden neuron (hidden layer only).
    hidden_weights_ : ndarray of shape (n_pairs, n_features_in_)
        Trained weights of every candidate hidden neuron (hidden layer only).
    hidden_max_rate_ : ndarray of shape (n_pairs,)
        Largest firing rate of each candidate over the selection samples.
    selected_ : ndarray of shape (n_hidden,)
        Indices into ``pairs_`` of the kept hidden neurons, highest peak rate
        first (ties in a random order).
    selected_pairs_ : ndarray of shape (n_hidden, 2)
    weights_ : ndarray of shape (n_classes, n_presynaptic)
        Output weights, each row on the simplex; ``n_presynaptic`` is
        ``n_hidden``, or ``n_features_in_`` without hidden layer.
    gains_ : ndarray of shape (n_rounds, n_classes, n_presynaptic)
        Output gains of every output-training sample.
    weight_history_ : ndarray of shape (n_rounds, n_classes, n_presynaptic)
        Output weights in force when each sample was presented.
    learning_rate_ : float
        The resolved output learning rate.
    n_rounds_ : int
        Samples that trained the output layer.
    prediction_seed_ : int
        Seed of the spikes drawn by ``predict``/``predict_proba``, combined
        with each sample's values: a sample gets the same prediction in every
        call, whatever its position in ``X``.
    n_neurons_, n_synapses_ : int
        Size of the network that predicts: ``d + K + C`` neurons and
        ``K * d + C * K`` synapses (``d + C`` and ``C * d`` without hidden
        layer). A synapse is one weight between two neurons.
    n_neurons_trained_, n_synapses_trained_ : int
        Size of the network that was trained, counting all ``n_pairs``
        candidate hidden neurons with their ``d`` synapses each.
    n_neuron_steps_ : int
        Bernoulli trials (neuron x time step) drawn during ``fit``.
    n_spikes_simulated_ : int
        Spikes emitted during ``fit``.

    Notes
    -----
    Only the spikes that a learning rule reads are simulated during ``fit``:
    no hidden spikes while the hidden layer trains (its gains use input
    spikes only), no output spikes while the output layer trains (its gains
    use presynaptic rates only). Samples are used in the order given; shuffle
    data sorted by class beforehand. Ties in the output spike counts go to
    the lowest class index; a sample with no output spike at all gets
    uniform probabilities.

    PWA in the output layer favours presynaptic neurons that rarely fire:
    their gain, near 0, beats the aggregation's, which is mostly negative
    when most samples belong to other classes. On the digits, without hidden
    layer, PWA puts nearly all output weight on almost blank border pixels
    and the outputs stay silent on most test images (about 15 % accuracy);
    with 50 hidden neurons it reached 11-38 % over three seeds, against about
    76 % with EWA. EWA is the default for that reason.

    Random numbers are drawn in this order: for each hidden-training sample
    the ``(N, d)`` input uniforms; for each selection sample the input and
    ``(N, n_pairs)`` hidden uniforms; ``n_pairs`` tie-break uniforms; for
    each output-training sample the input and ``(N, K)`` hidden uniforms;
    the prediction seed. Prediction draws, per sample, input, hidden and
    ``(N, C)`` output uniforms from a generator seeded by
    ``[prediction_seed_, *x.view(uint32)]`` (``x`` the encoded float64
    sample).

    Examples
    --------
    >>> from crnlearn.datasets import make_conjunction_task
    >>> X, y = make_conjunction_task(task=2, n_samples=300, random_state=0)
    >>> clf = SpikingClassifier(n_hidden=9, n_steps=200, learning_rate=0.05,
    ...                         random_state=0).fit(X[:200], y[:200])
    >>> clf.n_neurons_, clf.n_synapses_
    (17, 72)
    >>> bool(clf.score(X[200:], y[200:]) > 0.9)
    True
    """

    def __init__(
        self,
        n_hidden=50,
        *,
        aggregation="ewa",
        n_steps=2000,
        spike_probability=1.0,
        hidden_threshold=0.5,
        n_hidden_train=40,
        n_selection=40,
        hidden_learning_rate=3.0,
        learning_rate="auto",
        reward=10.0,
        penalty=10.0,
        exponent=2.0,
        encoding="minmax",
        random_state=None,
    ):
        self.n_hidden = n_hidden
        self.aggregation = aggregation
        self.n_steps = n_steps
        self.spike_probability = spike_probability
        self.hidden_threshold = hidden_threshold
        self.n_hidden_train = n_hidden_train
        self.n_selection = n_selection
        self.hidden_learning_rate = hidden_learning_rate
        self.learning_rate = learning_rate
        self.reward = reward
        self.penalty = penalty
        self.exponent = exponent
        self.encoding = encoding
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # a stochastic, positively weighted learner with fixed small learning
        # rates: it does not reach scikit-learn's generic accuracy bar on tiny
        # synthetic sets
        tags.classifier_tags.poor_score = True
        return tags

    # ------------------------------------------------------------------ checks

    def _check_params(self):
        if self.aggregation not in AGGREGATIONS:
            raise ValueError(
                f"SpikingClassifier: aggregation must be one of {AGGREGATIONS}; "
                f"got {self.aggregation!r}."
            )
        if self.encoding not in ENCODINGS:
            raise ValueError(
                f"SpikingClassifier: encoding must be one of {ENCODINGS}; got "
                f"{self.encoding!r}."
            )
        if self.n_hidden is not None:
            _check_number("n_hidden", self.n_hidden, 1, integer=True)
            _check_number("n_hidden_train", self.n_hidden_train, 1, integer=True)
            _check_number("n_selection", self.n_selection, 1, integer=True)
            _check_number("hidden_learning_rate", self.hidden_learning_rate, 0)
            _check_number("hidden_threshold", self.hidden_threshold, 0)
        _check_number("n_steps", self.n_steps, 1, MAX_STEPS, integer=True)
        _check_number("spike_probability", self.spike_probability, 0, 1,
                      low_open=True)
        _check_number("reward", self.reward, 0)
        _check_number("penalty", self.penalty, 0)
        _check_number("exponent", self.exponent, 1, low_open=True)
        if isinstance(self.learning_rate, str):
            if self.learning_rate != "auto":
                raise ValueError(
                    "SpikingClassifier: learning_rate must be 'auto' or a number "
                    f">= 0; got {self.learning_rate!r}."
                )
            if self.n_hidden is None:
                return INPUT_LEARNING_RATE
            return OUTPUT_LEARNING_RATE
        return float(_check_number("learning_rate", self.learning_rate, 0))

    def _check_sizes(self, n_samples, n_features):
        if self.n_hidden is None:
            return
        n_pairs = n_features * (n_features - 1) // 2
        if self.n_hidden > n_pairs:
            raise ValueError(
                f"SpikingClassifier: n_hidden must be at most the number of input "
                f"pairs d * (d - 1) / 2 = {n_pairs} for d = {n_features} features; "
                f"got n_hidden={self.n_hidden}."
            )
        needed = self.n_hidden_train + self.n_selection + 1
        if n_samples < needed:
            raise ValueError(
                f"SpikingClassifier: with a hidden layer, X needs at least "
                f"n_hidden_train + n_selection + 1 = {needed} samples (hidden "
                f"training, selection, then output training); got n_samples="
                f"{n_samples}. Pass more samples, lower n_hidden_train or "
                f"n_selection, or use n_hidden=None."
            )

    # --------------------------------------------------------------------- fit

    def fit(self, X, y):
        """Train the hidden layer, select its neurons, train the output layer.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training samples, presented in this order.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : SpikingClassifier
        """
        learning_rate = self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, y_index = np.unique(y, return_inverse=True)
        if self.classes_.size < 2:
            raise ValueError(
                "SpikingClassifier: y must contain at least 2 classes; got "
                f"{self.classes_.size} class ({self.classes_[0]!r})."
            )
        n_samples, n_features = X.shape
        self._check_sizes(n_samples, n_features)
        self.encoder_ = ConcentrationEncoder(self.encoding).fit(X)
        X = self.encoder_.transform(X)
        rng = _make_generator(self.random_state)
        self.learning_rate_ = learning_rate
        self.n_neuron_steps_ = 0
        self.n_spikes_simulated_ = 0

        start = 0
        inputs = self._input_layer()
        with single_blas_thread():
            if self.n_hidden is not None:
                start = self.n_hidden_train + self.n_selection
                self._fit_hidden_layer(X[: self.n_hidden_train], rng, inputs)
                self._select_hidden_neurons(
                    X[self.n_hidden_train : start], rng, inputs
                )
            self._fit_output_layer(X[start:], y_index[start:], rng, inputs)
        self.prediction_seed_ = int(rng.integers(np.iinfo(np.int64).max))
        self._count_sizes()
        return self

    def _input_layer(self):
        return InputLayer(self.n_features_in_, self.n_steps, self.spike_probability)

    def _hidden_layer(self, weights):
        if self.n_hidden is None:
            return None
        return HawkesLayer(weights, self.n_steps, self.hidden_threshold)

    def _count(self, *layers):
        """Add spike trains to the fit counters; return the last one's counts."""
        for spikes in layers:
            counts = spikes.sum(axis=0)
            self.n_neuron_steps_ += spikes.size
            self.n_spikes_simulated_ += int(counts.sum(dtype=np.int64))
        return counts

    def _forward(self, x, rng, inputs, hidden):
        """Spike trains of the input and (if any) hidden layer for one sample."""
        spikes = inputs.run(x, rng)
        if hidden is None:
            return (spikes,)
        return spikes, hidden.run(spikes, rng)

    def _fit_hidden_layer(self, X, rng, inputs):
        tic = time.perf_counter()
        self.pairs_ = candidate_pairs(X.shape[1])
        gains = np.empty((len(X), len(self.pairs_), X.shape[1]))
        for m, x in enumerate(X):
            spikes = inputs.run(x, rng)
            self._count(spikes)
            gains[m] = coincidence_gains(spikes, self.pairs_)
        self.hidden_weights_ = fit_aggregation(
            gains,
            self.aggregation,
            self.hidden_learning_rate,
            self.exponent,
            return_history=False,
        )
        logger.debug(
            "hidden layer: %d neurons trained on %d samples in %.2f s",
            len(self.pairs_), len(X), time.perf_counter() - tic,
        )

    def _select_hidden_neurons(self, X, rng, inputs):
        tic = time.perf_counter()
        hidden = self._hidden_layer(self.hidden_weights_)
        max_count = np.zeros(len(self.pairs_), dtype=np.float32)
        for x in X:
            counts = self._count(*self._forward(x, rng, inputs, hidden))
            np.maximum(max_count, counts, out=max_count)
        tie_break = rng.random(len(self.pairs_))
        max_rate = max_count.astype(float) / self.n_steps
        order = np.lexsort((tie_break, -max_rate))
        self.hidden_max_rate_ = max_rate
        self.selected_ = order[: self.n_hidden]
        self.selected_pairs_ = self.pairs_[self.selected_]
        logger.debug(
            "selection: kept %d hidden neurons (peak rates %.3g to %.3g) in %.2f s",
            self.n_hidden, max_rate[self.selected_[0]],
            max_rate[self.selected_[-1]], time.perf_counter() - tic,
        )

    def _fit_output_layer(self, X, y_index, rng, inputs):
        tic = time.perf_counter()
        absent = np.setdiff1d(np.arange(self.classes_.size), y_index)
        if absent.size:
            warnings.warn(
                f"SpikingClassifier: classes {self.classes_[absent].tolist()} do "
                f"not occur among the {len(X)} samples that train the output "
                "layer (the samples after n_hidden_train + n_selection); their "
                "output neurons only learn from penalties. Shuffle the training "
                "data.",
                UserWarning,
                stacklevel=3,
            )
        hidden = self._hidden_layer(self._selected_weights())
        counts = np.stack(
            [self._count(*self._forward(x, rng, inputs, hidden)) for x in X]
        )
        rates = counts.astype(float) / self.n_steps
        n_classes = self.classes_.size
        sign = np.full((len(X), n_classes), -float(self.penalty))
        sign[np.arange(len(X)), y_index] = self.reward
        self.gains_ = sign[:, :, None] * rates[:, None, :]
        self.weights_, self.weight_history_ = fit_aggregation(
            self.gains_, self.aggregation, self.learning_rate_, self.exponent
        )
        self.n_rounds_ = len(X)
        logger.debug(
            "output layer: %d neurons trained on %d samples in %.2f s",
            n_classes, len(X), time.perf_counter() - tic,
        )

    def _selected_weights(self):
        if self.n_hidden is None:
            return None
        return self.hidden_weights_[self.selected_]

    def _count_sizes(self):
        d, n_classes = self.n_features_in_, self.classes_.size
        if self.n_hidden is None:
            self.n_neurons_ = self.n_neurons_trained_ = d + n_classes
            self.n_synapses_ = self.n_synapses_trained_ = n_classes * d
            return
        k, n_pairs = self.n_hidden, len(self.pairs_)
        self.n_neurons_ = d + k + n_classes
        self.n_synapses_ = k * d + n_classes * k
        self.n_neurons_trained_ = d + n_pairs + n_classes
        self.n_synapses_trained_ = n_pairs * d + n_classes * k

    # ----------------------------------------------------------------- predict

    def output_spike_counts(self, X):
        """Spikes of every output neuron while each sample is presented.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        counts : ndarray of shape (n_samples, n_classes), dtype int
            The spikes of each sample are drawn from its own generator,
            seeded by ``prediction_seed_`` and the sample's encoded values,
            so a sample gets the same counts whatever else ``X`` holds.
        """
        check_is_fitted(self, "weights_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        X = self.encoder_.transform(X)
        counts = np.empty((len(X), self.classes_.size), dtype=np.int64)
        inputs = self._input_layer()
        hidden = self._hidden_layer(self._selected_weights())
        output = HawkesLayer(self.weights_, self.n_steps)
        with single_blas_thread():
            for m, x in enumerate(X):
                rng = _sample_generator(self.prediction_seed_, x)
                presynaptic = self._forward(x, rng, inputs, hidden)[-1]
                counts[m] = output.run(presynaptic, rng).sum(axis=0)
        return counts

    def predict_proba(self, X):
        """Output spike counts normalised to sum to 1.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Uniform for a sample with no output spike.
        """
        counts = self.output_spike_counts(X).astype(float)
        total = counts.sum(axis=1, keepdims=True)
        uniform = 1.0 / self.classes_.size
        return np.divide(
            counts, total, out=np.full_like(counts, uniform), where=total > 0
        )

    def predict(self, X):
        """The class whose output neuron spikes most (ties: lowest index).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        counts = self.output_spike_counts(X)
        return self.classes_[np.argmax(counts, axis=1)]
