"""Deterministic simulation of mass-action networks with SciPy's ODE solvers.

LSODA (the default) runs through ``scipy.integrate.odeint``, which drives
ODEPACK's LSODA over the whole time grid in one call; ``solve_ivp``, which
steps it from Python, costs about twice as much per run on networks of
10^2-10^3 reactions. The other methods, and LSODA with the steady-state
stop (an event), run through ``solve_ivp``. The stiff methods receive the
analytic Jacobian: dense for LSODA, sparse for BDF and Radau.
"""

import logging
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.integrate import BDF, ODEintWarning, odeint, solve_ivp

from .errors import NetworkError

__all__ = [
    "SimulationResult",
    "NegativeConcentrationWarning",
    "simulate",
    "ODE_METHODS",
    "STIFF_METHODS",
]

logger = logging.getLogger(__name__)

ODE_METHODS = ("LSODA", "BDF", "Radau", "RK45", "RK23", "DOP853")
#: Methods that use the Jacobian; it is passed to them analytically.
STIFF_METHODS = ("LSODA", "BDF", "Radau")
#: LSODA's Fortran core takes a dense Jacobian only.
DENSE_JACOBIAN_METHODS = ("LSODA",)
#: Most LSODA steps between two reported times (odeint's default, 500, stops
#: long runs of stiff networks that are perfectly well behaved).
MAX_STEPS_PER_INTERVAL = 100_000


class InitialisedBDF(BDF):
    """SciPy's BDF with its whole table of backward differences set.

    SciPy allocates that table with ``np.empty`` and fills two rows; its
    first step subtracts a row it has not written yet, then overwrites it.
    The garbage changes no result, but where it happens to hold a
    signalling NaN, NumPy warns "invalid value encountered in subtract", at
    random. ``method="BDF"`` runs this class, with the unwritten rows at 0.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.D[2:] = 0.0


class NegativeConcentrationWarning(RuntimeWarning):
    """The solver produced concentrations below zero by more than ``atol``."""


@dataclass
class SimulationResult:
    """Trajectories of a simulation and how it went.

    Attributes
    ----------
    t : ndarray of shape (n_times,)
        Time points.
    concentrations : ndarray of shape (n_times, n_species)
        Concentrations at each time point (molecule counts divided by the
        volume for stochastic methods).
    species : tuple of str
        Species names, in column order.
    success : bool
        Whether the integration reached ``t_end`` or the steady state.
    status : int
        Solver status (0: reached ``t_end``, 1: stopped at steady state or
        another terminal event, -1: failed).
    message : str
        Human-readable reason for stopping.
    method : str
        The integration method.
    counters : dict
        Work done: right-hand side and Jacobian evaluations, LU
        decompositions (deterministic), reactions fired (stochastic).
    steady_state : bool
        Whether the run stopped because the free species stopped changing.
    min_concentration : float
        The smallest concentration seen; below zero only through solver
        round-off, which is reported here and never clipped.
    negative_species : tuple of str
        Species that went below zero.
    """

    t: np.ndarray
    concentrations: np.ndarray
    species: tuple
    success: bool
    status: int
    message: str
    method: str
    counters: dict = field(default_factory=dict)
    steady_state: bool = False
    min_concentration: float = 0.0
    negative_species: tuple = ()

    def __getitem__(self, name):
        """Trajectory of one species, by name."""
        try:
            return self.concentrations[..., self.species.index(name)]
        except ValueError:
            raise KeyError(f"no species {name!r} in this result") from None

    @property
    def final(self):
        """ndarray of shape (n_species,): concentrations at the last time point."""
        return self.concentrations[-1]

    def to_csv(self, path):
        """Write the trajectories as a CSV table with a ``t`` column."""
        header = ",".join(("t",) + tuple(self.species))
        table = np.column_stack([self.t, self.concentrations])
        np.savetxt(path, table, delimiter=",", header=header, comments="", fmt="%.12g")


def _check_method(method):
    if method not in ODE_METHODS:
        raise NetworkError(f"method must be one of {ODE_METHODS}; got {method!r}.")
    return method


def _check_positive(value, name, allow_inf=False):
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise NetworkError(f"{name} must be a number; got {value!r}.") from None
    if not value > 0 or (value == np.inf and not allow_inf):
        bound = "> 0" if allow_inf else "finite and > 0"
        raise NetworkError(f"{name} must be {bound}; got {value!r}.")
    return value


def _check_time(t_end):
    return _check_positive(t_end, "t_end")


def _check_n_points(n_points):
    whole = isinstance(n_points, (int, np.integer)) and not isinstance(n_points, bool)
    if not whole or n_points < 2:
        raise NetworkError(f"n_points must be an integer >= 2; got {n_points!r}.")
    return int(n_points)


def _check_t_eval(t_eval, t_end):
    try:
        t_eval = np.asarray(t_eval, dtype=float)
    except (TypeError, ValueError):
        raise NetworkError(
            f"t_eval must be an array of times; got {t_eval!r}."
        ) from None
    if (
        t_eval.ndim != 1
        or t_eval.size == 0
        or not np.all(np.isfinite(t_eval))
        or np.any(np.diff(t_eval) <= 0)
        or t_eval[0] < 0
    ):
        raise NetworkError(
            "t_eval must be increasing finite times >= 0; got "
            f"{np.array2string(t_eval.ravel()[:5])}..."
        )
    if t_eval[-1] > t_end:
        raise NetworkError(
            f"t_eval must end at or before t_end={t_end}; got {t_eval[-1]}."
        )
    return t_eval


def simulate(
    network,
    t_end,
    *,
    initial=None,
    t_eval=None,
    n_points=201,
    method="LSODA",
    rtol=1e-8,
    atol=1e-10,
    steady_state=False,
    steady_state_tol=1e-9,
    max_step=np.inf,
):
    """Integrate the mass-action rate equations of a network.

    Parameters
    ----------
    network : ReactionNetwork
        The network; its clamped species stay at their concentrations.
    t_end : float
        End time (> 0); the run starts at 0.
    initial : mapping of str to float, or array-like of shape (n_species,), optional
        Concentrations that replace the network's initial ones (also how
        clamped inputs are set for one run).
    t_eval : array-like, optional
        Time points to report; default ``n_points`` evenly spaced in
        ``[0, t_end]``.
    n_points : int, default=201
        Number of reported time points (>= 2) when ``t_eval`` is not given.
    method : {"LSODA", "BDF", "Radau", "RK45", "RK23", "DOP853"}, default="LSODA"
        The integration method. LSODA switches by itself between a non-stiff
        (Adams) and a stiff (BDF) method; it runs through ``odeint`` unless
        ``steady_state`` is set. The others are ``solve_ivp`` methods. The
        stiff ones receive the analytic Jacobian.
    rtol, atol : float, default=1e-8, 1e-10
        Solver tolerances.
    steady_state : bool, default=False
        Stop early once ``max |dc/dt|`` falls below ``steady_state_tol``.
    steady_state_tol : float, default=1e-9
        Threshold of the steady-state stop.
    max_step : float, default=inf
        Largest step the solver may take.

    Returns
    -------
    SimulationResult

    Warns
    -----
    NegativeConcentrationWarning
        When solver round-off takes a concentration below ``-atol``.

    Examples
    --------
    >>> from crnlearn import ReactionNetwork
    >>> net = ReactionNetwork.from_text("A -> 0 [k = 1]; A @i 1")
    >>> res = simulate(net, 1.0, n_points=2)
    >>> float(np.round(res["A"][-1], 6))
    0.367879
    """
    t_end = _check_time(t_end)
    method = _check_method(method)
    rtol = _check_positive(rtol, "rtol")
    atol = _check_positive(atol, "atol")
    max_step = _check_positive(max_step, "max_step", allow_inf=True)
    if network.n_species == 0:
        raise NetworkError("cannot simulate a network with no species.")
    c0 = network.state(initial)
    if t_eval is None:
        t_eval = np.linspace(0.0, t_end, _check_n_points(n_points))
    else:
        t_eval = _check_t_eval(t_eval, t_end)

    if steady_state:
        steady_state_tol = _check_positive(steady_state_tol, "steady_state_tol")

    logger.debug(
        "simulating %r to t=%g with %s (%d species, %d reactions)",
        network.name, t_end, method, network.n_species, network.n_reactions,
    )
    if method == "LSODA" and not steady_state:
        run = _run_odeint(network, c0, t_eval, rtol, atol, max_step)
    else:
        run = _run_solve_ivp(
            network, c0, t_end, t_eval, method, rtol, atol, max_step,
            steady_state_tol if steady_state else None,
        )
    t, concentrations, success, status, message, counters, stopped = run

    lowest = concentrations.min(axis=0, initial=np.inf)
    min_c = float(lowest.min(initial=0.0)) if concentrations.size else 0.0
    negative = tuple(
        s for s, m in zip(network.species, lowest, strict=True) if m < 0
    )
    if min_c < -atol:
        warnings.warn(
            f"solver round-off took {len(negative)} species below zero (lowest "
            f"{min_c:.3g}, e.g. {negative[:3]}); tighten rtol/atol or use a stiff "
            f"method. Values are reported as computed, not clipped.",
            NegativeConcentrationWarning,
            stacklevel=2,
        )
    return SimulationResult(
        t=t,
        concentrations=concentrations,
        species=network.species,
        success=success,
        status=status,
        message=message,
        method=method,
        counters=counters,
        steady_state=stopped,
        min_concentration=min_c,
        negative_species=negative,
    )


def _run_odeint(network, c0, t_eval, rtol, atol, max_step):
    """LSODA over the whole grid in one call; rows after a failure are cut."""
    # The compiled kinetics, called without the argument checks of the
    # public methods: the solver only ever passes states of the right shape.
    kinetics = network._compile()
    starts_at_zero = t_eval[0] == 0.0
    grid = t_eval if starts_at_zero else np.concatenate([[0.0], t_eval])
    with warnings.catch_warnings():
        # A failure is reported in the result, not as odeint's warning.
        warnings.simplefilter("ignore", ODEintWarning)
        y, info = odeint(
            lambda c, t: kinetics.rhs(c),
            c0,
            grid,
            Dfun=lambda c, t: kinetics.jacobian(c, False),
            rtol=rtol,
            atol=atol,
            hmax=0.0 if max_step == np.inf else max_step,
            mxstep=MAX_STEPS_PER_INTERVAL,
            full_output=True,
            printmessg=False,
        )
    message = str(info["message"])
    success = message == "Integration successful."
    n_valid = grid.size
    if not success:
        # odeint leaves garbage in the rows it did not reach.
        reached = np.asarray(info["tcur"]) >= grid[1:]
        n_valid = 1 + int(np.argmin(reached)) if not reached.all() else grid.size
    # Work counters are cumulative, one entry per interval; the failing
    # interval's entry is still valid.
    last = min(n_valid, grid.size - 1) - 1
    counters = {
        "nfev": int(info["nfe"][last]) if last >= 0 else 0,
        "njev": int(info["nje"][last]) if last >= 0 else 0,
    }
    counters["nlu"] = counters["njev"]
    if not starts_at_zero:
        y, grid, n_valid = y[1:], grid[1:], n_valid - 1
    status = 0 if success else -1
    return grid[:n_valid], y[:n_valid], success, status, message, counters, False


def _run_solve_ivp(network, c0, t_end, t_eval, method, rtol, atol, max_step,
                   steady_state_tol):
    """``solve_ivp``, with the steady-state stop when a tolerance is given."""
    kinetics = network._compile()

    def rhs(t, c):
        return kinetics.rhs(c)

    options = {}
    if method in STIFF_METHODS:
        sparse = method not in DENSE_JACOBIAN_METHODS

        def jacobian(t, c):
            return kinetics.jacobian(c, sparse)

        options["jac"] = jacobian

    events = None
    if steady_state_tol is not None:
        free = ~network.clamped

        def settled(t, c):
            change = np.max(np.abs(kinetics.rhs(c)[free]), initial=0.0)
            return change - steady_state_tol

        settled.terminal = True
        settled.direction = -1
        events = settled

    sol = solve_ivp(
        rhs,
        (0.0, t_end),
        c0,
        method=InitialisedBDF if method == "BDF" else method,
        t_eval=t_eval,
        rtol=rtol,
        atol=atol,
        events=events,
        max_step=max_step,
        **options,
    )
    concentrations = sol.y.T
    stopped = bool(steady_state_tol is not None and sol.status == 1)
    t = sol.t
    if stopped:
        # Report the settled state at the event time as the last point.
        concentrations = np.vstack([concentrations, sol.y_events[0][0]])
        t = np.append(t, sol.t_events[0][0])
    counters = {"nfev": int(sol.nfev), "njev": int(sol.njev), "nlu": int(sol.nlu)}
    message = "steady state reached" if stopped else sol.message
    return (t, concentrations, bool(sol.success), int(sol.status), message,
            counters, stopped)
