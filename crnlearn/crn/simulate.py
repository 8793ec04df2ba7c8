"""Deterministic simulation of mass-action networks with SciPy's ``solve_ivp``."""

import logging
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.integrate import solve_ivp

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


def _check_time(t_end):
    try:
        t_end = float(t_end)
    except (TypeError, ValueError):
        raise NetworkError(f"t_end must be a number; got {t_end!r}.") from None
    if not np.isfinite(t_end) or t_end <= 0:
        raise NetworkError(f"t_end must be finite and > 0; got {t_end!r}.")
    return t_end


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
        Number of reported time points when ``t_eval`` is not given.
    method : {"LSODA", "BDF", "Radau", "RK45", "RK23", "DOP853"}, default="LSODA"
        A ``solve_ivp`` method; the stiff ones receive the analytic Jacobian.
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
    if network.n_species == 0:
        raise NetworkError("cannot simulate a network with no species.")
    c0 = network.state(initial)
    if t_eval is None:
        t_eval = np.linspace(0.0, t_end, int(n_points))
    else:
        t_eval = np.asarray(t_eval, dtype=float)
        if t_eval.ndim != 1 or np.any(np.diff(t_eval) <= 0) or t_eval[0] < 0:
            raise NetworkError(
                "t_eval must be increasing times >= 0; got "
                f"{np.array2string(t_eval[:5])}..."
            )
        if t_eval[-1] > t_end:
            raise NetworkError(
                f"t_eval must end at or before t_end={t_end}; got {t_eval[-1]}."
            )

    options = {}
    if method in STIFF_METHODS:
        sparse = method not in DENSE_JACOBIAN_METHODS
        options["jac"] = lambda t, c: network.jacobian(t, c, sparse=sparse)

    events = None
    if steady_state:
        free = ~network.clamped

        def settled(t, c):
            return np.max(np.abs(network.rhs(t, c)[free]), initial=0.0) - steady_state_tol

        settled.terminal = True
        settled.direction = -1
        events = settled

    logger.debug(
        "simulating %r to t=%g with %s (%d species, %d reactions)",
        network.name, t_end, method, network.n_species, network.n_reactions,
    )
    sol = solve_ivp(
        network.rhs,
        (0.0, t_end),
        c0,
        method=method,
        t_eval=t_eval,
        rtol=rtol,
        atol=atol,
        events=events,
        max_step=max_step,
        **options,
    )
    concentrations = sol.y.T
    stopped = bool(steady_state and sol.status == 1)
    if stopped:
        # Report the settled state at the event time as the last point.
        t_stop = sol.t_events[0][0]
        concentrations = np.vstack([concentrations, sol.y_events[0][0]])
        t = np.append(sol.t, t_stop)
    else:
        t = sol.t

    min_c = float(concentrations.min()) if concentrations.size else 0.0
    negative = tuple(
        s for s, m in zip(network.species, concentrations.min(axis=0), strict=True)
        if m < 0
    )
    if min_c < -atol:
        warnings.warn(
            f"solver round-off took {len(negative)} species below zero (lowest "
            f"{min_c:.3g}, e.g. {negative[:3]}); tighten rtol/atol or use a stiff "
            f"method. Values are reported as computed, not clipped.",
            NegativeConcentrationWarning,
            stacklevel=2,
        )
    counters = {"nfev": int(sol.nfev), "njev": int(sol.njev), "nlu": int(sol.nlu)}
    message = "steady state reached" if stopped else sol.message
    return SimulationResult(
        t=t,
        concentrations=concentrations,
        species=network.species,
        success=bool(sol.success),
        status=int(sol.status),
        message=message,
        method=method,
        counters=counters,
        steady_state=stopped,
        min_concentration=min_c,
        negative_species=negative,
    )
