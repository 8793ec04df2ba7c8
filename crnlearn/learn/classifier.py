"""The paper's learning CRN as a scikit-learn classifier.

:class:`CRNClassifier` wraps the three parts of the learner: the selection
of ``K`` reactant complexes (:mod:`crnlearn.learn.selection`), the learning
reaction network (:mod:`crnlearn.learn.network`) and a training backend
(:mod:`crnlearn.learn.backends`) that computes what that network does when
the samples are presented one after the other.

The class score of a sample is the steady-state output concentration
``y_c = sum_S w_{c,S} phi_S(x)``; the predicted class is the largest.
"""

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._blas import single_blas_thread
from ..crn.simulate import simulate
from ..encoding import ConcentrationEncoder
from .backends import BACKENDS, TrainingProblem
from .complexes import (
    complex_fluxes,
    input_concentrations,
    input_species_names,
    n_candidates,
)
from .network import NORMALISATIONS, build_learning_network
from .selection import SELECTION_RULES, select_complexes

__all__ = ["CRNClassifier", "optimal_learning_rate"]

#: Backends that take no volume and no seed.
DETERMINISTIC_BACKENDS = ("closed-form", "chemistry")


def optimal_learning_rate(n_experts, n_rounds, reward, penalty):
    """The regret-optimal EWA learning rate ``sqrt(8 ln K / M) / (a + b)``.

    Parameters
    ----------
    n_experts : int
        ``K``, the experts of each class.
    n_rounds : int
        ``M``, the presented samples.
    reward, penalty : float
        ``a`` and ``b``: the gains lie in ``[-b, a]``.

    Returns
    -------
    float

    Examples
    --------
    >>> round(optimal_learning_rate(50, 1000, 1.0, 1.0), 4)
    0.0885
    """
    n_experts = max(int(n_experts), 2)
    n_rounds = max(int(n_rounds), 1)
    return float(np.sqrt(8.0 * np.log(n_experts) / n_rounds) / (reward + penalty))


class CRNClassifier(ClassifierMixin, BaseEstimator):
    """A single layer of mass-action reactions that learns by EWA.

    Every selected reactant complex ``S`` (a set of input species) is an
    expert whose mass-action flux ``phi_S(x) = prod_{i in S} x_i`` senses a
    conjunction of features. Each class ``c`` keeps one weight species per
    expert; the weights of a class sum to 1 and follow the Exponentially
    Weighted Average with gains ``g_{c,S} = s_c phi_S(x)``, ``s_c = a`` for
    the true class of the presented sample and ``-b`` for the others. The
    class score is the output ``y_c = sum_S w_{c,S} phi_S(x)``.

    Parameters
    ----------
    n_reactions : int, default=50
        Number of selected complexes ``K`` per class (the same complexes for
        every class). More than the candidates warns and keeps them all.
    order : int, default=2
        Largest complex size (1 to 3): 2 gives all singletons and pairs.
        On validation splits of the digits, triples (``order=3``) add about
        3.5 points of accuracy averaged over K = 10 to 200 (9 points at
        K = 10) at ten times the fit time (selection streams over 349,632
        candidates); pairs stay the default, the paper's order.
    dual_rail : bool, default=True
        Also offer the complementary inputs ``Xbar_i = 1 - x_i`` as
        reactants, so that a complex can sense "i present and j absent".
    selection : str, default="class-contrast"
        How the ``K`` complexes are chosen from the candidates, on the
        training inputs: a key of
        :data:`crnlearn.learn.selection.SELECTION_RULES`. The paper's rule is
        ``"mean-flux"`` (largest mean flux, also named ``"paper"``); the default,
        ``"class-contrast"``, gives every class in turn the complex that
        flows most on it relative to the others. It was chosen on
        validation splits of the digits training set
        (``benchmarks/tune_learner.py``): with single-rail inputs the
        mean-flux rule selects mostly the same few bright central pixels
        for every class and loses 8 to 12 points of accuracy; with dual
        rail it is at chance, since the complements of the always-blank
        border pixels flow at 1 on every image and win the ranking.
    learning_rate : float or "auto", default=0.002
        ``eta``, the rate constant scale of the reward and penalty
        reactions. ``"auto"`` uses the regret-optimal
        ``sqrt(8 ln K / M) / (a + b)`` for the ``M`` presented samples
        (:func:`optimal_learning_rate`), divided by ``presentation_time``:
        ``M`` is the number of samples times ``n_passes`` in ``fit``, and
        the size of the first batch in ``partial_fit``, where the horizon is
        not known (for a known horizon, pass the number from
        :func:`optimal_learning_rate`).
    reward : float, default=1.0
        ``a``, the gain scale of the true class.
    penalty : float or "balanced", default="balanced"
        ``b``, the gain scale of the other classes; ``"balanced"`` is
        ``a / (C - 1)``, so that the summed penalty of a sample equals its
        reward.
    presentation_time : float, default=1.0
        ``tau``: how long each sample is presented (inputs and teachers
        clamped). The EWA rate of one presentation is ``eta * tau``.
    readout_rate : float, default=1000.0
        ``k_y``, rate constant of the read-out and decay reactions. The
        chemistry backend matches the closed form as ``k_y / eta`` grows.
    n_passes : int, default=1
        Passes over the training set in ``fit``; each pass presents the
        samples in a new random order.
    backend : str, default="closed-form"
        A key of :data:`crnlearn.learn.backends.BACKENDS`.
        ``"closed-form"``: the EWA with cumulative gains, vectorised.
        ``"chemistry"``: the learning network integrated sample after
        sample (minutes for the digits at large ``K``). ``"stochastic"``:
        the same network at molecule counts, exact SSA or tau-leaping
        (:mod:`crnlearn.learn.stochastic_backend`), needs ``volume``.
    volume : float, default=None
        Molecules per unit concentration, for backends that count
        molecules; ignored by the deterministic ones.
    normalisation : {"output", "complexes"}, default="output"
        Normalising reactions of the network (chemistry backend and
        :meth:`to_network`): through the output species (the paper's) or
        through the complexes themselves (exact, ``K^2`` reactions per
        class).
    encoding : {"minmax", None}, default="minmax"
        How features become input concentrations: ``"minmax"`` learns the
        map on the training data (prediction inputs are clipped to
        ``[0, 1]``); None takes the data as concentrations and rejects
        values outside ``[0, 1]``.
    random_state : int, RandomState instance or None, default=None
        Seeds the order of presentation. The closed-form final weights do
        not depend on it (they are a function of the summed gains); the
        weight history does.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    encoder_ : ConcentrationEncoder
    input_species_ : list of str
        Names of the input species (``X{i}``, then ``Xbar{i}``).
    complexes_ : list of tuple of int
        The ``K`` selected complexes, as indices into ``input_species_``.
    n_reactions_ : int
        ``K`` as used.
    learning_rate_, reward_, penalty_ : float
        ``eta``, ``a`` and ``b`` as used.
    weights_ : ndarray of shape (n_classes, K)
        Weight concentrations after training; each row sums to 1.
    weight_history_ : ndarray of shape (n_rounds, n_classes, K)
        The weights in force when each sample was presented.
    gains_ : ndarray of shape (n_rounds, n_classes, K)
        ``g[m, c, S] = s_c(m) phi_S(x_m)``, for the regret.
    cumulative_gains_ : ndarray of shape (n_classes, K)
    presentation_order_ : ndarray of int of shape (n_rounds,)
        The training samples in the order they were presented (indices
        into the data of each ``fit`` or ``partial_fit`` call).
    n_rounds_ : int
    outputs_ : ndarray of shape (n_classes,)
        Output concentrations after the last presentation.
    chemistry_counters_ : dict
        Solver work (chemistry backend only).

    Examples
    --------
    >>> from crnlearn.datasets import load_digits_split
    >>> X_train, X_test, y_train, y_test = load_digits_split()
    >>> clf = CRNClassifier(n_reactions=50, random_state=0).fit(X_train, y_train)
    >>> clf.score(X_test, y_test) > 0.8
    True
    >>> clf.to_network().n_reactions
    2510
    """

    _parameter_constraints = {
        "n_reactions": [Interval(numbers.Integral, 1, None, closed="left")],
        "order": [Interval(numbers.Integral, 1, 3, closed="both")],
        "dual_rail": ["boolean"],
        "selection": [StrOptions(set(SELECTION_RULES))],
        "learning_rate": [
            Interval(numbers.Real, 0, None, closed="neither"),
            StrOptions({"auto"}),
        ],
        "reward": [Interval(numbers.Real, 0, None, closed="neither")],
        "penalty": [
            Interval(numbers.Real, 0, None, closed="neither"),
            StrOptions({"balanced"}),
        ],
        "presentation_time": [Interval(numbers.Real, 0, None, closed="neither")],
        "readout_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_passes": [Interval(numbers.Integral, 1, None, closed="left")],
        "backend": [StrOptions(set(BACKENDS))],
        "volume": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "normalisation": [StrOptions(set(NORMALISATIONS))],
        "encoding": [StrOptions({"minmax"}), None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_reactions=50,
        order=2,
        dual_rail=True,
        selection="class-contrast",
        learning_rate=0.002,
        reward=1.0,
        penalty="balanced",
        presentation_time=1.0,
        readout_rate=1000.0,
        n_passes=1,
        backend="closed-form",
        volume=None,
        normalisation="output",
        encoding="minmax",
        random_state=None,
    ):
        self.n_reactions = n_reactions
        self.order = order
        self.dual_rail = dual_rail
        self.selection = selection
        self.learning_rate = learning_rate
        self.reward = reward
        self.penalty = penalty
        self.presentation_time = presentation_time
        self.readout_rate = readout_rate
        self.n_passes = n_passes
        self.backend = backend
        self.volume = volume
        self.normalisation = normalisation
        self.encoding = encoding
        self.random_state = random_state

    # -- fitting -----------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Select the complexes on ``X`` and present every sample.

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
        classes = np.unique(y)
        if classes.size < 2:
            raise ValueError(
                f"CRNClassifier needs samples of at least 2 classes; got 1 class "
                f"({classes[0]!r})."
            )
        self._start(X, y, classes, n_rounds=X.shape[0] * self.n_passes)
        rng = check_random_state(self.random_state)
        order = np.concatenate(
            [rng.permutation(X.shape[0]) for _ in range(self.n_passes)]
        )
        self._learn(X, y, order, rng)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None):
        """Present the samples of ``X`` once more, in their given order.

        The first call selects the complexes on its ``X`` and needs
        ``classes``, all the classes that will ever be seen.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), default=None
            Required on the first call, ignored afterwards.

        Returns
        -------
        self
        """
        with single_blas_thread():
            return self._partial_fit(X, y, classes)

    def _partial_fit(self, X, y, classes):
        first = not hasattr(self, "weights_")
        X, y = validate_data(self, X, y, dtype=np.float64, reset=first)
        check_classification_targets(y)
        if first:
            if classes is None:
                raise ValueError(
                    "classes must be given on the first call to partial_fit; got "
                    "None."
                )
            classes = np.unique(np.asarray(classes))
            if classes.size < 2:
                raise ValueError(
                    f"classes must hold at least 2 classes; got {classes.tolist()}."
                )
            unknown = np.setdiff1d(np.unique(y), classes)
            if unknown.size:
                raise ValueError(
                    f"y holds labels not in classes: {unknown.tolist()}; classes is "
                    f"{classes.tolist()}."
                )
            # Online, the horizon is unknown: the first batch stands for it.
            self._start(X, y, classes, n_rounds=X.shape[0])
        else:
            unknown = np.setdiff1d(np.unique(y), self.classes_)
            if unknown.size:
                raise ValueError(
                    f"y holds labels not seen on the first call: {unknown.tolist()}; "
                    f"classes_ is {self.classes_.tolist()}."
                )
        self._learn(X, y, np.arange(X.shape[0]), check_random_state(self.random_state))
        return self

    def _start(self, X, y, classes, n_rounds):
        """Encoding, selection and the untrained state.

        ``n_rounds`` is the horizon ``M`` of ``learning_rate="auto"``.
        """
        self.classes_ = classes
        targets = np.searchsorted(classes, y)
        n_classes = classes.size
        self.encoder_ = ConcentrationEncoder(self.encoding).fit(X)
        Z = input_concentrations(self.encoder_.transform(X), self.dual_rail)
        self.input_species_ = input_species_names(X.shape[1], self.dual_rail)
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
        self.complexes_ = select_complexes(
            Z, targets, K, order=self.order, rule=self.selection, n_classes=n_classes
        )
        self.n_reactions_ = len(self.complexes_)
        self.reward_ = float(self.reward)
        self.penalty_ = (
            self.reward_ / (n_classes - 1)
            if self.penalty == "balanced"
            else float(self.penalty)
        )
        if self.learning_rate == "auto":
            self.learning_rate_ = optimal_learning_rate(
                self.n_reactions_, n_rounds, self.reward_, self.penalty_
            ) / float(self.presentation_time)
        else:
            self.learning_rate_ = float(self.learning_rate)
        self.weights_ = np.full((n_classes, self.n_reactions_), 1.0 / self.n_reactions_)
        self.cumulative_gains_ = np.zeros_like(self.weights_)
        self.outputs_ = np.zeros(n_classes)
        self.weight_history_ = np.empty((0, n_classes, self.n_reactions_))
        self.gains_ = np.empty((0, n_classes, self.n_reactions_))
        self.presentation_order_ = np.empty(0, dtype=np.intp)
        self.n_rounds_ = 0
        self.chemistry_counters_ = {}

    def _learn(self, X, y, order, rng):
        """Present the samples ``X[order]`` with the chosen backend.

        Backends other than the closed form get the network's normalisation,
        the volume and a seed; the seed mixes ``rng`` with the rounds
        presented so far, so successive ``partial_fit`` calls with an integer
        ``random_state`` draw different but reproducible noise.
        """
        Z = input_concentrations(self.encoder_.transform(X), self.dual_rail)[order]
        targets = np.searchsorted(self.classes_, y[order])
        problem = TrainingProblem(
            inputs=Z,
            fluxes=complex_fluxes(Z, self.complexes_),
            targets=targets,
            n_classes=self.classes_.size,
            complexes=self.complexes_,
            n_features=self.n_features_in_,
            dual_rail=self.dual_rail,
            learning_rate=self.learning_rate_,
            reward=self.reward_,
            penalty=self.penalty_,
            presentation_time=float(self.presentation_time),
            readout_rate=float(self.readout_rate),
            weights=self.weights_,
            cumulative_gains=self.cumulative_gains_,
            outputs=self.outputs_,
            options=self._backend_options(rng),
        )
        result = BACKENDS[self.backend](problem)
        self.weights_ = result.weights
        self.cumulative_gains_ = result.cumulative_gains
        self.outputs_ = result.outputs
        if self.n_rounds_:
            self.weight_history_ = np.concatenate(
                [self.weight_history_, result.weight_history]
            )
            self.gains_ = np.concatenate([self.gains_, result.gains])
        else:
            # The first presentation: no copy of the (large) arrays.
            self.weight_history_ = result.weight_history
            self.gains_ = result.gains
        self.presentation_order_ = np.concatenate(
            [self.presentation_order_, np.asarray(order, dtype=np.intp)]
        )
        self.n_rounds_ += len(order)
        for key, value in result.counters.items():
            self.chemistry_counters_[key] = self.chemistry_counters_.get(key, 0) + value
        return self

    def _backend_options(self, rng):
        if self.backend == "closed-form":
            return {}
        options = {"normalisation": self.normalisation}
        if self.backend not in DETERMINISTIC_BACKENDS:
            seed = np.random.SeedSequence([rng.randint(2**32 - 1), self.n_rounds_])
            options["volume"] = self.volume
            options["random_state"] = int(seed.generate_state(1)[0])
        return options

    # -- prediction --------------------------------------------------------------

    def _input_concentrations(self, X):
        check_is_fitted(self, "weights_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return input_concentrations(self.encoder_.transform(X), self.dual_rail)

    def complex_fluxes(self, X):
        """Fluxes ``phi_S(x)`` of the selected complexes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, K)
        """
        return complex_fluxes(self._input_concentrations(X), self.complexes_)

    def _scores(self, X):
        fluxes = self.complex_fluxes(X)
        with single_blas_thread():
            return fluxes @ self.weights_.T

    def decision_function(self, X):
        """Class scores: the steady-state outputs ``y_c = sum_S w_{c,S} phi_S``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes), or (n_samples,) for two
        classes (the second class's score minus the first's)
        """
        scores = self._scores(X)
        if self.classes_.size == 2:
            return scores[:, 1] - scores[:, 0]
        return scores

    def predict_proba(self, X):
        """Class scores normalised to sum 1 (uniform where all are zero).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        scores = self._scores(X)
        total = scores.sum(axis=1, keepdims=True)
        uniform = np.full_like(scores, 1.0 / scores.shape[1])
        return np.divide(scores, total, out=uniform, where=total > 0)

    def predict(self, X):
        """The class of largest output.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "weights_")
        return self.classes_[np.argmax(self._scores(X), axis=1)]

    # -- the network -------------------------------------------------------------

    def to_network(self):
        """The learning network, with the current weights as initial state.

        Inputs and teachers are clamped at 0; set the inputs to a sample's
        concentrations (``X{i}``, ``Xbar{i}``) and the outputs ``Y{c}``
        settle at the class scores. Setting a teacher ``L{c}`` to 1 and the
        ``Lbar`` of the others to 1 makes the network learn that sample.
        Before fitting, this raises ``NotFittedError``: the network's
        reactions depend on the selected complexes.

        Returns
        -------
        ReactionNetwork
        """
        check_is_fitted(self, "weights_")
        network, _ = build_learning_network(
            self.complexes_,
            self.n_features_in_,
            self.classes_.size,
            dual_rail=self.dual_rail,
            weights=self.weights_,
            learning_rate=self.learning_rate_,
            reward=self.reward_,
            penalty=self.penalty_,
            readout_rate=float(self.readout_rate),
            normalisation=self.normalisation,
        )
        return network

    def simulate_outputs(self, X, t_end=None):
        """Class outputs of the network simulated on each sample.

        Each sample's inputs are clamped, teachers held at 0 (the weights do
        not move) and the outputs integrated from 0 for ``t_end`` (20 time
        constants of the read-out by default) with :func:`crnlearn.simulate`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        t_end : float, default=None

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        Z = self._input_concentrations(X)
        network = self.to_network()
        t_end = 20.0 / float(self.readout_rate) if t_end is None else float(t_end)
        inputs = [network.index(s) for s in self.input_species_]
        outputs = [network.index(f"Y{c}") for c in range(self.classes_.size)]
        base = network.initial_concentrations
        result = np.empty((Z.shape[0], self.classes_.size))
        for n, z in enumerate(Z):
            start = base.copy()
            start[inputs] = z
            run = simulate(network, t_end, initial=start, n_points=2)
            result[n] = run.concentrations[-1, outputs]
        return result

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
