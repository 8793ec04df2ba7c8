"""A signed learning CRN that learns from its own predictions.

The paper's learning network (docs/MODEL.md section 2) keeps one simplex of
non-negative weights per class and rewards or penalises every expert by the
teacher alone. :class:`SignedCRNClassifier` keeps its single layer of
mass-action reactions and its expert aggregation, and changes three things:

1. **Signed weights.** Each expert (a reactant complex ``S``) has, per class,
   a positive and a negative weight species, and the class output is a dual
   rail ``Yp_c - Yn_c``: an expert can vote against a class. The ``2K``
   weights of a class stay on a simplex (total 1), so the aggregation is the
   exponentiated gradient with positive and negative weights (EG+-).
2. **Gains from the network's own output.** The gain of expert ``S`` for
   class ``c`` on a presented sample is
   ``g_{c,S} = (L_c - p_c(x)) * phi_S(x)`` with ``L_c`` the teacher and
   ``p = softmax(beta * y)`` the network's normalised output: a sample the
   network already classifies with confidence hardly changes the weights.
   This is the gradient of the cross-entropy of the softmax output, so the
   network follows exponentiated gradient descent on a logistic loss.
3. **Complexes selected per class, up to triples.** Every class in turn
   takes the candidate complexes that flow much more on it than on the
   others. The default rule is ``"class-contrast"``
   (:mod:`crnlearn.learn.selection`: a log ratio of class mean fluxes, with
   a penalty for reusing a class's species) over complexes of up to 3 input
   species; ``"decorrelated-contrast"``
   (:func:`~crnlearn.learn.selection.decorrelated_contrast`) ranks by a
   signal-to-noise contrast instead and skips a candidate whose flux
   correlates with an already chosen one beyond ``max_correlation``. Both
   stream over the 349,632 candidates of the 128 dual-rail digit inputs
   without holding their per-sample fluxes.

The softmax is computed by the network itself: a read phase in which the
prediction species follow the replicator equation driven by the class
scores, which from a uniform start is exactly the softmax
(:mod:`crnlearn.learn.signed_network` lists every reaction). Measured on
validation splits of the digits training set (``benchmarks/tune_signed.py``,
each normalisation at its best learning rate), the softmax beat the simpler
normalisations that a network can compute at steady state: by 0.7 points
of accuracy a winner-take-all mistake signal and division by the sum of
squared positive outputs, by 2 points division by the total positive
output.

The defaults (triples, ``"class-contrast"``, K = 200, ``eta = 0.3``,
``beta = 200``, 8 passes) are the configuration of best validation accuracy
found by ``benchmarks/tune_signed.py`` on the digits training images only.

Two backends compute the same model: ``"closed-form"`` runs EG+- with the
softmax gains, vectorised over classes and experts (the fast path);
``"chemistry"`` integrates the reaction network, three phases per presented
sample. They agree in the limit of a large time-scale separation.
"""

import logging
import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._blas import single_blas_thread
from ..encoding import ConcentrationEncoder
from .complexes import (
    complex_fluxes,
    input_concentrations,
    input_species_names,
    n_candidates,
)
from .selection import SELECTION_RULES, decorrelated_contrast, select_complexes
from .signed_network import (
    SignedRates,
    build_signed_network,
    chemical_probabilities,
    present_samples,
)

__all__ = [
    "SignedCRNClassifier",
    "signed_ewa_fit",
    "signed_weights",
    "softmax",
]

logger = logging.getLogger(__name__)

#: The selection rule of this learner, beside the rules of ``complexes``.
DECORRELATED_CONTRAST = "decorrelated-contrast"
SELECTIONS = (DECORRELATED_CONTRAST, *SELECTION_RULES)
BACKENDS = ("closed-form", "chemistry")
# -- the closed form -------------------------------------------------------------


def softmax(scores, inverse_temperature):
    """The softmax of ``beta * scores`` on the last axis.

    Parameters
    ----------
    scores : array-like of shape (..., n_classes)
    inverse_temperature : float
        ``beta``.

    Returns
    -------
    ndarray of shape (..., n_classes)

    Examples
    --------
    >>> softmax([0.0, np.log(3.0)], 1.0)
    array([0.25, 0.75])
    """
    z = inverse_temperature * np.asarray(scores, dtype=float)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def signed_weights(cumulative_gains, learning_rate):
    """The EG+- weights of cumulative gains.

    Parameters
    ----------
    cumulative_gains : array-like of shape (..., K)
        ``G``: the gains of the positive experts summed over the rounds (the
        negative experts earned ``-G``).
    learning_rate : float
        The learning rate per presentation, ``eta * tau``.

    Returns
    -------
    weights_positive, weights_negative : ndarray of shape (..., K)
        ``exp(+-eta G) / sum(exp(eta G) + exp(-eta G))``: the ``2K`` weights
        sum to 1 on the last axis.

    Examples
    --------
    >>> wp, wn = signed_weights([np.log(2.0), 0.0], 1.0)
    >>> wp.round(4), wn.round(4)
    (array([0.4444, 0.2222]), array([0.1111, 0.2222]))
    """
    a = learning_rate * np.asarray(cumulative_gains, dtype=float)
    top = np.abs(a).max(axis=-1, keepdims=True)
    up, down = np.exp(a - top), np.exp(-a - top)
    total = up.sum(axis=-1, keepdims=True) + down.sum(axis=-1, keepdims=True)
    return up / total, down / total


def signed_ewa_fit(
    fluxes,
    targets,
    n_classes,
    order,
    *,
    learning_rate,
    inverse_temperature,
    cumulative_gains=None,
    normalise=None,
):
    """Run EG+- with gains from the softmax of the network's own scores.

    At round ``t`` the sample ``m = order[t]`` is presented: with the weights
    in force, the class scores are ``y = (W+ - W-) @ phi(x_m)``, the
    prediction ``p = softmax(beta * y)``, and every expert of class ``c``
    gains ``(L_c - p_c) * phi_S(x_m)``.

    Parameters
    ----------
    fluxes : ndarray of shape (n_samples, K)
        ``phi_S(x_m)`` of the selected complexes.
    targets : ndarray of int of shape (n_samples,)
        Class index of each sample.
    n_classes : int
    order : ndarray of int of shape (n_rounds,)
        The sample presented at each round.
    learning_rate : float
        ``eta * tau``, the EG+- learning rate per presentation.
    inverse_temperature : float
        ``beta`` of the softmax.
    cumulative_gains : ndarray of shape (n_classes, K), default=None
        Gains of earlier rounds to continue from; zeros when None.
    normalise : callable, default=None
        ``normalise(scores) -> p`` replacing the softmax (to compare other
        normalisations; the network computes the softmax only).

    Returns
    -------
    ndarray of shape (n_classes, K)
        The cumulative gains ``G``; the weights are
        ``signed_weights(G, learning_rate)``.

    Examples
    --------
    >>> F = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> G = signed_ewa_fit(F, np.array([0, 1]), 2, np.array([0, 1]),
    ...                    learning_rate=1.0, inverse_temperature=1.0)
    >>> G
    array([[ 0.5, -0.5],
           [-0.5,  0.5]])
    """
    fluxes = np.asarray(fluxes, dtype=float)
    order = np.asarray(order, dtype=np.intp)
    n_experts = fluxes.shape[1]
    if cumulative_gains is None:
        G = np.zeros((n_classes, n_experts))
    else:
        G = np.array(cumulative_gains, dtype=float)

    # The 2K experts of each class side by side: positive, then negative.
    # Multiplicative updates renormalised every round equal the closed form
    # of the cumulative gains; G itself is summed at the end in one product.
    w = np.hstack(signed_weights(G, learning_rate))
    signed_fluxes = np.hstack([fluxes, -fluxes])
    errors = np.empty((order.size, n_classes))
    for t, m in enumerate(order):
        phi = signed_fluxes[m]
        scores = w @ phi
        error = errors[t]
        if normalise is None:
            z = inverse_temperature * scores
            np.exp(z - z.max(), out=error)
            error /= -error.sum()
        else:
            error[:] = -normalise(scores)
        error[targets[m]] += 1.0
        w *= np.exp(learning_rate * np.multiply.outer(error, phi))
        w /= w.sum(axis=1, keepdims=True)
    return G + errors.T @ fluxes[order]


# -- the estimator ---------------------------------------------------------------


class SignedCRNClassifier(ClassifierMixin, BaseEstimator):
    """A single-layer learning CRN with signed weights and softmax-driven gains.

    Each class ``c`` reads the inputs through ``K`` selected reactant
    complexes ``S`` with a positive and a negative weight species; its score
    is ``y_c = sum_S (w+_{c,S} - w-_{c,S}) phi_S(x)``. Training presents the
    samples one after the other (``n_passes`` shuffled passes); each
    presentation multiplies ``w+_{c,S}`` by ``exp(eta tau g_{c,S})`` and
    ``w-_{c,S}`` by ``exp(-eta tau g_{c,S})`` and renormalises the ``2K``
    weights of each class to 1 (EG+-), with
    ``g_{c,S} = (L_c - p_c(x)) phi_S(x)`` and ``p = softmax(beta y)`` the
    network's own prediction. :mod:`crnlearn.learn.signed_network` gives
    the reactions that compute all of it.

    Parameters
    ----------
    n_reactions : int, default=200
        Number of selected complexes ``K``; more than the candidates of
        ``order`` and ``dual_rail`` warns and keeps them all.
    order : int, default=3
        Largest complex size (1 to 3). The read-out reactions have order
        ``order + 1`` and the learning reactions ``order + 2``.
    dual_rail : bool, default=True
        Also use the complementary inputs ``1 - x_i``.
    selection : str, default="class-contrast"
        ``"decorrelated-contrast"`` (see
        :func:`~crnlearn.learn.selection.decorrelated_contrast`) or a rule
        of :data:`crnlearn.learn.selection.SELECTION_RULES` (the paper's is
        ``"mean-flux"``).
    max_correlation : float, default=0.6
        Largest absolute correlation between the fluxes of two selected
        complexes (``"decorrelated-contrast"`` only); 1 disables the check.
    learning_rate : float, default=0.3
        ``eta``: rate constant of the reward and penalty reactions. The
        EG+- learning rate per presentation is
        ``learning_rate * presentation_time``.
    inverse_temperature : float, default=200.0
        ``beta`` of the softmax the network computes from its scores.
    n_passes : int, default=8
        Passes over the training set, each in a new random order.
    presentation_time : float, default=1.0
        ``tau``: duration of each of the three phases of a presentation.
    time_scale_separation : float, default=1000.0
        ``s``: the fast reactions of the network have rate constant
        ``s / tau``. Only the chemistry backend and :meth:`to_network` use
        it; the closed form is its limit ``s -> infinity``.
    backend : {"closed-form", "chemistry"}, default="closed-form"
        ``"closed-form"``: vectorised EG+-. ``"chemistry"``: integrate the
        network sample after sample, three phases each (slow: about 0.1 s
        per presented sample at K = 20, so minutes per pass over the digits
        at small K, and hours at the defaults).
    encoding : {"minmax", None}, default="minmax"
        How features become input concentrations (see
        :class:`~crnlearn.encoding.ConcentrationEncoder`).
    random_state : int, RandomState instance or None, default=None
        Seeds the order of presentation.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    encoder_ : ConcentrationEncoder
    input_species_ : list of str
        Names of the input species.
    complexes_ : list of tuple of int
        The ``K`` selected complexes (indices into ``input_species_``).
    n_reactions_ : int
        ``K`` as used (smaller than ``n_reactions`` only when there are
        fewer candidates).
    presentation_order_ : ndarray of int of shape (n_rounds,)
        The training sample presented at each round.
    n_rounds_ : int
    weights_positive_, weights_negative_ : ndarray of shape (n_classes, K)
        The learned weights (concentrations of ``Wp`` and ``Wn``); the
        ``2K`` weights of each class sum to 1.
    coef_ : ndarray of shape (n_classes, K)
        ``weights_positive_ - weights_negative_``.
    cumulative_gains_ : ndarray of shape (n_classes, K)
        ``G`` with ``signed_weights(G, eta * tau)`` equal to the weights
        (for the chemistry backend, computed from the simulated weights).
    n_network_species_, n_network_reactions_ : int
        Size of the network :meth:`to_network` builds.
    chemistry_counters_ : dict
        Solver work summed over all phases (chemistry backend only).

    Examples
    --------
    >>> from crnlearn.datasets import load_digits_split
    >>> X_train, X_test, y_train, y_test = load_digits_split()
    >>> clf = SignedCRNClassifier(n_reactions=50, random_state=0)
    >>> clf.fit(X_train, y_train).score(X_test, y_test) > 0.9
    True
    """

    _parameter_constraints = {
        "n_reactions": [Interval(numbers.Integral, 1, None, closed="left")],
        "order": [Interval(numbers.Integral, 1, 3, closed="both")],
        "dual_rail": ["boolean"],
        "selection": [StrOptions(set(SELECTIONS))],
        "max_correlation": [Interval(numbers.Real, 0, 1, closed="right")],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "inverse_temperature": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_passes": [Interval(numbers.Integral, 1, None, closed="left")],
        "presentation_time": [Interval(numbers.Real, 0, None, closed="neither")],
        "time_scale_separation": [Interval(numbers.Real, 0, None, closed="neither")],
        "backend": [StrOptions(set(BACKENDS))],
        "encoding": [StrOptions({"minmax"}), None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_reactions=200,
        order=3,
        dual_rail=True,
        selection="class-contrast",
        max_correlation=0.6,
        learning_rate=0.3,
        inverse_temperature=200.0,
        n_passes=8,
        presentation_time=1.0,
        time_scale_separation=1000.0,
        backend="closed-form",
        encoding="minmax",
        random_state=None,
    ):
        self.n_reactions = n_reactions
        self.order = order
        self.dual_rail = dual_rail
        self.selection = selection
        self.max_correlation = max_correlation
        self.learning_rate = learning_rate
        self.inverse_temperature = inverse_temperature
        self.n_passes = n_passes
        self.presentation_time = presentation_time
        self.time_scale_separation = time_scale_separation
        self.backend = backend
        self.encoding = encoding
        self.random_state = random_state

    # -- fitting -----------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Select the complexes and present the training samples.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        with single_blas_thread():
            return self._fit(X, y)

    def _fit(self, X, y):
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, targets = np.unique(y, return_inverse=True)
        n_classes = len(self.classes_)
        if n_classes < 2:
            raise ValueError(
                f"SignedCRNClassifier needs samples of at least 2 classes; got 1 "
                f"class ({self.classes_[0]!r})."
            )

        self.encoder_ = ConcentrationEncoder(self.encoding).fit(X)
        Z = input_concentrations(self.encoder_.transform(X), self.dual_rail)
        self.input_species_ = input_species_names(X.shape[1], self.dual_rail)
        self.complexes_ = self._select(Z, targets, n_classes)
        self.n_reactions_ = len(self.complexes_)
        fluxes = complex_fluxes(Z, self.complexes_)

        rng = check_random_state(self.random_state)
        n = X.shape[0]
        self.presentation_order_ = np.concatenate(
            [rng.permutation(n) for _ in range(self.n_passes)]
        )
        self.n_rounds_ = self.presentation_order_.size
        rate = self.learning_rate * self.presentation_time
        if self.backend == "closed-form":
            G = signed_ewa_fit(
                fluxes, targets, n_classes, self.presentation_order_,
                learning_rate=rate, inverse_temperature=self.inverse_temperature,
            )
            self.weights_positive_, self.weights_negative_ = signed_weights(G, rate)
            self.cumulative_gains_ = G
        else:
            network, layout = self._build_network(n_classes, None, None)
            state, self.chemistry_counters_ = present_samples(
                network, layout, Z, targets, self.presentation_order_,
                self.presentation_time,
            )
            self.weights_positive_ = state[layout.weights_positive]
            self.weights_negative_ = state[layout.weights_negative]
            with np.errstate(divide="ignore"):
                ratio = np.log(self.weights_positive_ / self.weights_negative_)
            self.cumulative_gains_ = ratio / (2.0 * rate)
        self.coef_ = self.weights_positive_ - self.weights_negative_
        n_inputs = len(self.input_species_)
        self.n_network_species_ = n_inputs + 3 + 7 * n_classes + (
            2 * n_classes * self.n_reactions_
        )
        self.n_network_reactions_ = 10 * n_classes * self.n_reactions_ + (
            2 * n_classes**2 + 15 * n_classes
        )
        return self

    def _select(self, Z, targets, n_classes):
        total = n_candidates(Z.shape[1], self.order)
        K = self.n_reactions
        if K > total:
            warnings.warn(
                f"n_reactions={K} exceeds the {total} candidate complexes of order "
                f"<= {self.order} of {Z.shape[1]} input species; using all of them.",
                UserWarning,
                stacklevel=5,
            )
            K = total
        if self.selection == DECORRELATED_CONTRAST:
            return decorrelated_contrast(
                Z, targets, K, order=self.order,
                max_correlation=self.max_correlation, n_classes=n_classes,
            )
        return select_complexes(
            Z, targets, K, order=self.order, rule=self.selection, n_classes=n_classes
        )

    def _rates(self):
        return SignedRates(
            learning_rate=self.learning_rate,
            inverse_temperature=self.inverse_temperature,
            presentation_time=self.presentation_time,
            separation=self.time_scale_separation,
        )

    def _build_network(self, n_classes, weights_positive, weights_negative):
        return build_signed_network(
            self.complexes_, self.input_species_, n_classes, self._rates(),
            weights_positive=weights_positive, weights_negative=weights_negative,
            name="signed_crn",
        )

    # -- prediction --------------------------------------------------------------

    def _input_concentrations(self, X):
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return input_concentrations(self.encoder_.transform(X), self.dual_rail)

    def complex_fluxes(self, X):
        """Fluxes of the selected complexes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, K)
        """
        return complex_fluxes(self._input_concentrations(X), self.complexes_)

    def _scores(self, X):
        return self.complex_fluxes(X) @ self.coef_.T

    def decision_function(self, X):
        """Class scores ``y_c = sum_S (w+_{c,S} - w-_{c,S}) phi_S(x)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes), or (n_samples,) for two
        classes (the score of the second class minus the first's)
        """
        scores = self._scores(X)
        if len(self.classes_) == 2:
            return scores[:, 1] - scores[:, 0]
        return scores

    def predict_proba(self, X):
        """The network's prediction ``softmax(beta * y)``.

        This is what the prediction species hold after a read phase.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        return softmax(self._scores(X), self.inverse_temperature)

    def predict(self, X):
        """The class of largest score.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        scores = self._scores(X)
        return self.classes_[np.argmax(scores, axis=1)]

    def chemical_predict_proba(self, X):
        """Simulate the network's reset and read phases on each sample.

        The learned weights are the initial concentrations, the teachers
        and the learning clock stay at 0, so nothing learns; the prediction
        species hold ``softmax(beta * y)`` up to the time-scale separation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        Z = self._input_concentrations(X)
        network, layout = self._build_network(
            len(self.classes_), self.weights_positive_, self.weights_negative_
        )
        return chemical_probabilities(network, layout, Z, self.presentation_time)

    def to_network(self):
        """The learning network with the learned weights as initial state.

        Returns
        -------
        ReactionNetwork
            Input species, clocks and teachers are clamped at 0: set them as
            :mod:`crnlearn.learn.signed_network` describes. Export with
            ``.to_text()`` or ``.to_sbml()``.
        """
        check_is_fitted(self, "coef_")
        network, _ = self._build_network(
            len(self.classes_), self.weights_positive_, self.weights_negative_
        )
        return network

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
