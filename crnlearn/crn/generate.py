"""Random reaction networks, for tests, benchmarks and examples."""

import numpy as np

from .errors import NetworkError
from .network import ReactionNetwork

__all__ = ["random_network"]


def _check_count(value, name, low):
    whole = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not whole or value < low:
        raise NetworkError(f"{name} must be an integer >= {low}; got {value!r}.")
    return int(value)


def _check_random_state(random_state):
    """A NumPy random generator from a seed, a generator or None."""
    seed = isinstance(random_state, (int, np.integer))
    if random_state is None or (seed and not isinstance(random_state, bool)):
        return np.random.RandomState(random_state)
    if isinstance(random_state, (np.random.RandomState, np.random.Generator)):
        return random_state
    raise NetworkError(
        "random_state must be None, an int, a numpy RandomState or Generator; got "
        f"{random_state!r}."
    )


def _check_range(pair, name):
    try:
        low, high = (float(x) for x in pair)
    except (TypeError, ValueError):
        raise NetworkError(
            f"{name} must be a pair (low, high); got {pair!r}."
        ) from None
    if not (0 <= low <= high < np.inf):
        raise NetworkError(
            f"{name} must satisfy 0 <= low <= high < inf; got {pair!r}."
        )
    return low, high


def random_network(
    n_species,
    n_reactions,
    *,
    max_order=2,
    order_weights=None,
    max_products=None,
    rate_range=(0.1, 1.0),
    initial_range=(0.0, 1.0),
    n_clamped=0,
    random_state=None,
    name="random",
):
    """A random mass-action network.

    Each reaction draws its order from ``0..max_order``, its reactant and
    product molecules uniformly among the species (with repetition, so
    ``2A`` occurs), and its rate constant log-uniformly in ``rate_range``.

    Parameters
    ----------
    n_species : int
        Number of species, named ``S0, S1, ...``.
    n_reactions : int
        Number of reactions.
    max_order : int, default=2
        Largest number of reactant molecules.
    order_weights : array-like of shape (max_order + 1,), optional
        Relative frequency of each order; default 1 for order 0 and 4.5 for
        every other order (sources are rare).
    max_products : int, optional
        Largest number of product molecules. By default a reaction of order
        ``n`` makes at most ``n`` molecules (a source makes one), so the
        total concentration can only grow through the sources, linearly in
        time: the dynamics cannot explode.
    rate_range : (float, float), default=(0.1, 1.0)
        Bounds of the log-uniform rate constants (a pair of equal values
        gives that rate everywhere; 0 allowed only when both are 0).
    initial_range : (float, float), default=(0.0, 1.0)
        Bounds of the uniform initial concentrations.
    n_clamped : int, default=0
        Number of species, chosen at random, held constant.
    random_state : int, RandomState or Generator instance, or None, default=None
        Seeds every draw.
    name : str, default="random"

    Returns
    -------
    ReactionNetwork

    Examples
    --------
    >>> net = random_network(20, 50, random_state=0)
    >>> net.n_species, net.n_reactions
    (20, 50)
    >>> max(r.order for r in net.reactions) <= 2
    True
    """
    n_species = _check_count(n_species, "n_species", 1)
    n_reactions = _check_count(n_reactions, "n_reactions", 0)
    max_order = _check_count(max_order, "max_order", 0)
    n_clamped = _check_count(n_clamped, "n_clamped", 0)
    if n_clamped > n_species:
        raise NetworkError(
            f"n_clamped must be <= n_species={n_species}; got {n_clamped}."
        )
    if max_products is not None:
        max_products = _check_count(max_products, "max_products", 1)
    low_rate, high_rate = _check_range(rate_range, "rate_range")
    if low_rate == 0 and high_rate > 0:
        raise NetworkError(
            f"rate_range is log-uniform: its low end must be > 0 unless both ends "
            f"are 0; got {rate_range!r}."
        )
    low_c0, high_c0 = _check_range(initial_range, "initial_range")
    if order_weights is None:
        order_weights = np.r_[1.0, np.full(max_order, 4.5)]
    order_weights = np.asarray(order_weights, dtype=float)
    if (
        order_weights.shape != (max_order + 1,)
        or not np.all(np.isfinite(order_weights))
        or np.any(order_weights < 0)
        or order_weights.sum() <= 0
    ):
        raise NetworkError(
            f"order_weights must be {max_order + 1} non-negative numbers, not all "
            f"0; got {order_weights!r}."
        )
    rng = _check_random_state(random_state)

    network = ReactionNetwork(name)
    names = [f"S{i}" for i in range(n_species)]
    clamped = set(rng.choice(n_species, size=n_clamped, replace=False).tolist())
    initial = rng.uniform(low_c0, high_c0, size=n_species)
    for i, species in enumerate(names):
        network.add_species(species, initial=initial[i], clamped=i in clamped)

    p_order = order_weights / order_weights.sum()
    orders = rng.choice(max_order + 1, size=n_reactions, p=p_order)
    if high_rate > 0:
        rates = np.exp(rng.uniform(np.log(low_rate), np.log(high_rate), n_reactions))
    else:
        rates = np.zeros(n_reactions)
    for order, rate in zip(orders, rates, strict=True):
        cap = max(order, 1) if max_products is None else max_products
        lowest = 1 if order == 0 else 0
        n_products = lowest + int(rng.choice(cap + 1 - lowest))
        reactants = [names[i] for i in rng.choice(n_species, size=order)]
        products = [names[i] for i in rng.choice(n_species, size=n_products)]
        network.add_reaction(reactants, products, rate)
    return network
