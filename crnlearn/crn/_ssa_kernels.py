"""Compiled inner loops of the stochastic simulators.

The kernels work on molecule counts (``int64``) and on a network compiled
into flat index arrays by :class:`crnlearn.crn.stochastic.StochasticSimulator`:

- reactant entries of reaction ``j``: ``react_species[react_ptr[j]:react_ptr[j+1]]``
  with multiplicities ``react_mult`` (clamped species included: they enter
  the propensities);
- net changes of reaction ``j``: ``change_species`` / ``change_delta`` in
  ``change_ptr[j]:change_ptr[j+1]`` (clamped species left out: they never
  change);
- the dependency graph: the reactions whose propensity can change when
  ``j`` fires, sorted, in ``dep_reactions[dep_ptr[j]:dep_ptr[j+1]]``.

Random numbers come from a NumPy ``Generator`` passed in; Numba draws from its
bit generator, so a seeded generator gives the same run every time and is
advanced in place.
"""

import numpy as np
from numba import njit

__all__ = ["propensities", "ssa_direct", "tau_leap"]

#: Status codes returned by the kernels.
REACHED_END = 0
STEP_BUDGET_EXHAUSTED = -1


@njit(cache=True, inline="always")
def _propensity(j, x, rate_c, react_ptr, react_species, react_mult):
    """``c_j * prod_i x_i (x_i - 1) ... (x_i - m_ij + 1)`` for reaction ``j``."""
    a = rate_c[j]
    for e in range(react_ptr[j], react_ptr[j + 1]):
        n = x[react_species[e]]
        m = react_mult[e]
        if n < m:
            return 0.0
        for k in range(m):
            a *= n - k
    return a


@njit(cache=True)
def propensities(x, rate_c, react_ptr, react_species, react_mult):
    """Propensities of every reaction at counts ``x``; shape (n_reactions,)."""
    n_r = rate_c.size
    a = np.empty(n_r)
    for j in range(n_r):
        a[j] = _propensity(j, x, rate_c, react_ptr, react_species, react_mult)
    return a


@njit(cache=True)
def _record_until(out, rec, t_eval, t_limit, x, inclusive):
    """Copy ``x`` into the rows of ``out`` whose time is before ``t_limit``."""
    n_times = t_eval.size
    while rec < n_times and (
        t_eval[rec] < t_limit or (inclusive and t_eval[rec] <= t_limit)
    ):
        out[rec, :] = x
        rec += 1
    return rec


@njit(cache=True, inline="always")
def _descend(tree, offset, size, r):
    """Leaf index (0-based) of a sum tree where the cumulative sum passes ``r``.

    The tree lives in ``tree[offset + 1 : offset + 2 * size]`` (root at
    ``offset + 1``, leaves at ``offset + size + k``). The walk never enters a
    branch whose sum is zero, so round-off cannot pick an impossible leaf.
    Returns the leaf and what is left of ``r`` inside it.
    """
    node = 1
    while node < size:
        left = 2 * node
        if r < tree[offset + left] or tree[offset + left + 1] <= 0.0:
            node = left
        else:
            r -= tree[offset + left]
            node = left + 1
    return node - size, r


@njit(cache=True, inline="always")
def _refresh_path(tree, offset, node):
    """Recompute the sums from ``node`` up to the root of a sum tree."""
    while node >= 1:
        tree[offset + node] = tree[offset + 2 * node] + tree[offset + 2 * node + 1]
        node >>= 1


@njit(cache=True)
def _hub_factor(x, hub):
    return 1.0 if hub < 0 else float(x[hub])


@njit(cache=True)
def ssa_direct(
    x,
    t_eval,
    rate_c,
    pi_ptr,
    pi_species,
    pi_mult,
    change_ptr,
    change_species,
    change_delta,
    member_group,
    member_leaf,
    group_hub,
    group_offset,
    group_size,
    group_members_ptr,
    group_members,
    dep_pi_ptr,
    dep_pi,
    dep_hub_ptr,
    dep_hub,
    max_steps,
    rng,
    out,
):
    """Gillespie's direct method with hub-factored propensities in sum trees.

    Every reaction ``j`` is factored as ``a_j = x[hub_j] * pi_j`` through one
    of its reactants taken once (its *hub*: the free species with the most
    reactions; no hub, factor 1, when there is none), in the spirit of the
    partial-propensity methods [1]_. Reactions sharing a hub form a group
    with a sum tree over their ``pi``; a top-level sum tree holds the group
    propensities ``x[hub] * sum(pi)``. When a firing changes a hub's count,
    only its group's top-level leaf changes, whatever the number of
    reactions in the group (the learning network's outputs catalyse
    thousands of normalising reactions); other changed reactants refresh
    their reactions' ``pi`` (the dependency graph ``dep_pi``). Choosing a
    reaction walks the top tree, then the group's tree: O(log n_reactions).
    Sums are recomputed from the children at every update, so no round-off
    drift builds up.

    Each step draws a standard exponential (the waiting time, divided by the
    total propensity) and then a uniform (which reaction fires), in this
    order. Reactions are laid out group by group (``group_members``) for the
    choice. The state at a reported time ``s`` is the state after every
    reaction at times ``<= s``.

    ``x`` is updated in place to the final state; ``out`` (n_times,
    n_species) receives the recorded states. Returns ``(status, n_fired,
    n_recorded)``.

    References
    ----------
    .. [1] R. Ramaswamy, N. Gonzalez-Segredo, I. F. Sbalzarini, "A new class
       of highly efficient exact stochastic simulation algorithms for
       chemical reaction networks", J. Chem. Phys. 130 (2009) 244104.
    """
    n_r = rate_c.size
    n_groups = group_hub.size
    n_times = t_eval.size

    inner = np.zeros(group_offset[n_groups])
    for j in range(n_r):
        inner[member_leaf[j]] = _propensity(
            j, x, rate_c, pi_ptr, pi_species, pi_mult
        )
    for g in range(n_groups):
        for node in range(group_size[g] - 1, 0, -1):
            off = group_offset[g]
            inner[off + node] = inner[off + 2 * node] + inner[off + 2 * node + 1]
    top_size = 1
    while top_size < n_groups:
        top_size *= 2
    top = np.zeros(2 * top_size)
    for g in range(n_groups):
        top[top_size + g] = _hub_factor(x, group_hub[g]) * inner[group_offset[g] + 1]
    for node in range(top_size - 1, 0, -1):
        top[node] = top[2 * node] + top[2 * node + 1]
    dirty = np.zeros(max(n_groups, 1), dtype=np.bool_)
    dirty_list = np.empty(max(n_groups, 1), dtype=np.int64)

    t = 0.0
    rec = _record_until(out, 0, t_eval, t, x, True)
    n_fired = 0
    status = REACHED_END
    while rec < n_times:
        a0 = top[1]
        if a0 <= 0.0:
            rec = _record_until(out, rec, t_eval, np.inf, x, True)
            break
        t_next = t + rng.standard_exponential() / a0
        rec = _record_until(out, rec, t_eval, t_next, x, False)
        if rec == n_times:
            break
        if n_fired >= max_steps:
            status = STEP_BUDGET_EXHAUSTED
            break

        # Which group, then which reaction of the group.
        g, r = _descend(top, 0, top_size, rng.random() * a0)
        factor = _hub_factor(x, group_hub[g])
        k, r = _descend(inner, group_offset[g], group_size[g], r / factor)
        j = group_members[group_members_ptr[g] + k]

        for e in range(change_ptr[j], change_ptr[j + 1]):
            x[change_species[e]] += change_delta[e]
        t = t_next
        n_fired += 1

        n_dirty = 0
        for e in range(dep_pi_ptr[j], dep_pi_ptr[j + 1]):
            d = dep_pi[e]
            g = member_group[d]
            off = group_offset[g]
            leaf = member_leaf[d]
            inner[leaf] = _propensity(d, x, rate_c, pi_ptr, pi_species, pi_mult)
            _refresh_path(inner, off, (leaf - off) >> 1)
            if not dirty[g]:
                dirty[g] = True
                dirty_list[n_dirty] = g
                n_dirty += 1
        for e in range(dep_hub_ptr[j], dep_hub_ptr[j + 1]):
            g = dep_hub[e]
            if not dirty[g]:
                dirty[g] = True
                dirty_list[n_dirty] = g
                n_dirty += 1
        for i in range(n_dirty):
            g = dirty_list[i]
            dirty[g] = False
            leaf = top_size + g
            top[leaf] = _hub_factor(x, group_hub[g]) * inner[group_offset[g] + 1]
            _refresh_path(top, 0, leaf >> 1)
    return status, n_fired, rec


@njit(cache=True)
def _species_tau_bound(
    x, a, critical, order, react_ptr, react_species, react_mult,
    change_ptr, change_species, change_delta, is_free, epsilon, mu, sigma2, g,
):
    """Cao-Gillespie-Petzold leap bound from the non-critical reactions.

    For every free species ``i`` that is a reactant somewhere, the expected
    change ``mu_i`` and variance ``sigma2_i`` of ``x_i`` per unit time are
    bounded by ``max(epsilon x_i / g_i, 1)``, where ``g_i`` makes a relative
    change ``epsilon / g_i`` of ``x_i`` move any propensity by at most
    ``epsilon``: for a reaction of order ``n`` that takes ``m`` molecules of
    ``i``, ``g = (n / m) * sum_{k < m} x_i / (x_i - k)`` (1, 2, 2 + 1/(x-1),
    ... for the usual orders), the largest over the reactions of ``i``.
    """
    n_s = x.size
    n_r = a.size
    mu[:] = 0.0
    sigma2[:] = 0.0
    g[:] = 0.0
    for j in range(n_r):
        if critical[j] or a[j] <= 0.0:
            continue
        for e in range(change_ptr[j], change_ptr[j + 1]):
            s = change_species[e]
            d = change_delta[e]
            mu[s] += d * a[j]
            sigma2[s] += d * d * a[j]
    for j in range(n_r):
        for e in range(react_ptr[j], react_ptr[j + 1]):
            s = react_species[e]
            if not is_free[s]:
                continue
            m = react_mult[e]
            n = x[s]
            if n >= m:
                h = 0.0
                for k in range(m):
                    h += n / (n - k)
                h *= order[j] / m
            else:
                # Too few molecules for this reaction yet: any change is
                # large, and the bound below falls back to one molecule.
                h = float(order[j])
            if h > g[s]:
                g[s] = h
    tau = np.inf
    for s in range(n_s):
        if g[s] <= 0.0:
            continue
        bound = max(epsilon * x[s] / g[s], 1.0)
        if mu[s] != 0.0:
            tau = min(tau, bound / abs(mu[s]))
        if sigma2[s] > 0.0:
            tau = min(tau, bound * bound / sigma2[s])
    return tau


@njit(cache=True)
def tau_leap(
    x,
    t_eval,
    rate_c,
    order,
    react_ptr,
    react_species,
    react_mult,
    change_ptr,
    change_species,
    change_delta,
    dep_ptr,
    dep_reactions,
    is_free,
    epsilon,
    fixed_tau,
    n_critical,
    exact_switch,
    n_exact_burst,
    max_steps,
    rng,
    out,
):
    """Tau-leaping with Cao-Gillespie-Petzold step selection; never negative.

    Each step: (1) reactions that could exhaust a reactant within
    ``n_critical`` firings are *critical*; (2) the non-critical reactions set
    the leap ``tau1`` (adaptive, from ``epsilon``; or ``fixed_tau`` when it is
    > 0); (3) when ``tau1 < exact_switch / a0`` (adaptive only), the leap
    would hold few reactions, so ``n_exact_burst`` exact direct-method steps
    are taken instead; (4) otherwise the time to the next critical firing
    ``tau2 ~ Exp(a0_critical)`` is drawn, the leap is ``min(tau1, tau2)``
    (cut at the next reported time), the non-critical reactions fire
    Poisson numbers of times and at most one critical reaction fires once;
    (5) a leap that would make any count negative is rejected and retried
    with ``tau1`` halved. So counts are never negative.

    Returns ``(status, n_fired, n_leaps, n_exact, n_rejected, n_recorded)``.
    """
    n_s = x.size
    n_r = rate_c.size
    n_times = t_eval.size
    a = np.empty(n_r)
    critical = np.zeros(n_r, dtype=np.bool_)
    x_new = np.empty(n_s, dtype=np.int64)
    mu = np.empty(n_s)
    sigma2 = np.empty(n_s)
    g = np.empty(n_s)

    t = 0.0
    rec = _record_until(out, 0, t_eval, t, x, True)
    n_fired = 0
    n_leaps = 0
    n_exact = 0
    n_rejected = 0
    status = REACHED_END
    while rec < n_times:
        if n_leaps + n_exact >= max_steps:
            status = STEP_BUDGET_EXHAUSTED
            break
        a0 = 0.0
        for j in range(n_r):
            a[j] = _propensity(j, x, rate_c, react_ptr, react_species, react_mult)
            a0 += a[j]
        if a0 <= 0.0:
            rec = _record_until(out, rec, t_eval, np.inf, x, True)
            break

        # Critical reactions: fewer than n_critical firings left.
        a0_critical = 0.0
        for j in range(n_r):
            critical[j] = False
            if a[j] <= 0.0:
                continue
            for e in range(change_ptr[j], change_ptr[j + 1]):
                d = change_delta[e]
                if d < 0 and x[change_species[e]] // (-d) < n_critical:
                    critical[j] = True
                    a0_critical += a[j]
                    break

        if fixed_tau > 0.0:
            tau1 = fixed_tau
        else:
            tau1 = _species_tau_bound(
                x, a, critical, order, react_ptr, react_species, react_mult,
                change_ptr, change_species, change_delta, is_free, epsilon,
                mu, sigma2, g,
            )
            if tau1 < exact_switch / a0:
                # A burst of exact steps, propensities kept up to date.
                for _ in range(n_exact_burst):
                    if n_leaps + n_exact >= max_steps:
                        break
                    a0 = 0.0
                    for j in range(n_r):
                        a0 += a[j]
                    if a0 <= 0.0:
                        break
                    t_next = t + rng.standard_exponential() / a0
                    rec = _record_until(out, rec, t_eval, t_next, x, False)
                    if rec == n_times:
                        break
                    r = rng.random() * a0
                    j = 0
                    while j < n_r - 1 and r >= a[j]:
                        r -= a[j]
                        j += 1
                    while a[j] <= 0.0:  # round-off ran past the last one
                        j -= 1
                    for e in range(change_ptr[j], change_ptr[j + 1]):
                        x[change_species[e]] += change_delta[e]
                    for e in range(dep_ptr[j], dep_ptr[j + 1]):
                        d = dep_reactions[e]
                        a[d] = _propensity(
                            d, x, rate_c, react_ptr, react_species, react_mult
                        )
                    t = t_next
                    n_exact += 1
                    n_fired += 1
                continue

        t_out = t_eval[rec]
        while True:
            if a0_critical > 0.0:
                tau2 = rng.standard_exponential() / a0_critical
            else:
                tau2 = np.inf
            fire_critical = tau2 <= tau1
            tau = min(tau1, tau2)
            landed = False
            if t + tau >= t_out:
                # The next critical firing (if any) lies beyond the cut.
                tau = t_out - t
                fire_critical = False
                landed = True
            chosen = -1
            if fire_critical:
                r = rng.random() * a0_critical
                for j in range(n_r):
                    if critical[j]:
                        chosen = j
                        r -= a[j]
                        if r < 0.0:
                            break
            x_new[:] = x
            fired = 0
            for j in range(n_r):
                if critical[j]:
                    k = 1 if j == chosen else 0
                elif a[j] > 0.0:
                    k = rng.poisson(a[j] * tau)
                else:
                    k = 0
                if k > 0:
                    fired += k
                    for e in range(change_ptr[j], change_ptr[j + 1]):
                        x_new[change_species[e]] += k * change_delta[e]
            negative = False
            for s in range(n_s):
                if x_new[s] < 0:
                    negative = True
                    break
            if not negative:
                break
            n_rejected += 1
            tau1 = 0.5 * tau

        x[:] = x_new
        t = t_out if landed else t + tau
        n_leaps += 1
        n_fired += fired
        rec = _record_until(out, rec, t_eval, t, x, True)
    return status, n_fired, n_leaps, n_exact, n_rejected, rec
