"""Compiled (numba) kernels of the search for the pure team-orienteering case.

When it is used, and the node numbering and cost matrix ``W`` (travel plus half the
service at each end, so 2-opt / or-opt deltas stay exact) the kernels work on: see the
driver, :mod:`routes._fast`.

The search is the same ruin-and-recreate scheme as :mod:`routes._search`
(random, segment, related, worst, whole-route, segment-exchange and forced-seed ruins, the removed
visits often held back while a first repair pass and a local search fill the freed
time with other visits; greedy insertion by ``prize**alpha / detour`` with noise;
2-opt, or-opt, insertion and replace moves; simulated annealing on prize with
linear cooling; after a stall, back to the best solution, and after a second stall a
new construction), running in compiled code on flat arrays.  The numba RNG
is seeded inside the kernel and the caller runs it in chunks of iterations, so a
result depends only on ``(problem, seed, iteration budget)`` unless the deadline
cuts a run short.

The driver is :class:`routes._fast.FastTop`; it calls ``init_state``, ``run_chunk`` and
``final_pack`` from this module (numba's just-in-time compiler, cached on disk) or from
their ahead-of-time build (:mod:`routes._aot`), which loads without importing numba.
Without numba the decorators leave plain Python (and :data:`routes._fast.AVAILABLE` is False).
"""

from __future__ import annotations

import math

import numpy as np

from routes._kernel_state import (
    S_BACK,
    S_IT,
    S_MAXIT,
    S_MAXWORK,
    S_SINCE,
    S_T0,
    S_TERM_S,
    S_TERM_U,
    S_TIME,
    S_WORK,
    WORK_1,
    WORK_S,
    WORK_U,
)

try:  # numba is optional: without it the solver uses the pure-Python engine
    from numba import njit
except ImportError:  # pragma: no cover - exercised only without numba

    def njit(*args, **kwargs):  # type: ignore[no-redef]
        def wrap(f):
            return f

        if args and callable(args[0]):
            return args[0]
        return wrap


_EPS = 1e-9
_INF = np.inf


# ---------------------------------------------------------------------- primitives
@njit(cache=True)
def _remove_at(R, L, k, pos):
    for i in range(pos, L[k] - 1):
        R[k, i] = R[k, i + 1]
    L[k] -= 1


@njit(cache=True)
def _insert_at(R, L, k, pos, u):
    for i in range(L[k], pos, -1):
        R[k, i] = R[k, i - 1]
    R[k, pos] = u
    L[k] += 1


@njit(cache=True)
def _route_cost(W, R, L, k):
    c = 0.0
    for i in range(L[k] - 1):
        c += W[R[k, i], R[k, i + 1]]
    return c


@njit(cache=True)
def _best_ins(W, R, L, k, u):
    best = _INF
    pos = -1
    for i in range(L[k] - 1):
        a = R[k, i]
        b = R[k, i + 1]
        d = W[a, u] + W[u, b] - W[a, b]
        if d < best:
            best = d
            pos = i + 1
    return best, pos


@njit(cache=True)
def _prize(P, R, L):
    s = 0.0
    for k in range(R.shape[0]):
        for i in range(1, L[k] - 1):
            s += P[R[k, i]]
    return s


# ---------------------------------------------------------------------- intra-route
@njit(cache=True)
def _two_opt(W, R, L, C, k):
    improved = True
    any_ = False
    while improved:
        improved = False
        n = L[k]
        for i in range(n - 3):
            a = R[k, i]
            b = R[k, i + 1]
            wab = W[a, b]
            for j in range(i + 2, n - 1):
                c = R[k, j]
                d = R[k, j + 1]
                delta = W[a, c] + W[b, d] - wab - W[c, d]
                if delta < -1e-9:
                    lo = i + 1
                    hi = j
                    while lo < hi:
                        t = R[k, lo]
                        R[k, lo] = R[k, hi]
                        R[k, hi] = t
                        lo += 1
                        hi -= 1
                    C[k] += delta
                    improved = True
                    any_ = True
                    b = R[k, i + 1]
                    wab = W[a, b]
    return any_


@njit(cache=True)
def _or_opt(W, R, L, C, k, buf):
    """Move a segment of 1-3 visits elsewhere in the route (both orientations)."""
    any_ = False
    improved = True
    while improved:
        improved = False
        n = L[k]
        for seg in range(1, 4):
            if seg > n - 2 - 1:
                break
            for i in range(1, n - seg):  # segment R[i .. i+seg-1]
                p = R[k, i - 1]
                f = R[k, i]
                g = R[k, i + seg - 1]
                nx = R[k, i + seg]
                gain = W[p, f] + W[g, nx] - W[p, nx]
                if gain <= 1e-9:
                    continue
                bestd = -1e-9
                bj = -1
                brev = False
                for j in range(n - 1):  # edge R[j] - R[j+1]
                    if j >= i - 1 and j <= i + seg - 1:
                        continue
                    x = R[k, j]
                    y = R[k, j + 1]
                    wxy = W[x, y]
                    d1 = W[x, f] + W[g, y] - wxy - gain
                    if d1 < bestd:
                        bestd = d1
                        bj = j
                        brev = False
                    d2 = W[x, g] + W[f, y] - wxy - gain
                    if d2 < bestd:
                        bestd = d2
                        bj = j
                        brev = True
                if bj >= 0:
                    for t in range(seg):
                        buf[t] = R[k, i + seg - 1 - t] if brev else R[k, i + t]
                    # rebuild: remove segment, insert after position bj (adjusted)
                    m = 0
                    tmp = np.empty(n, dtype=np.int64)
                    for t in range(n):
                        if t >= i and t < i + seg:
                            continue
                        tmp[m] = R[k, t]
                        m += 1
                        if t == bj:
                            for s in range(seg):
                                tmp[m] = buf[s]
                                m += 1
                    for t in range(n):
                        R[k, t] = tmp[t]
                    C[k] += bestd
                    improved = True
                    any_ = True
                    break
            if improved:
                break
    return any_


@njit(cache=True)
def _intra(W, R, L, C, k, buf):
    while True:
        _two_opt(W, R, L, C, k)
        if not _or_opt(W, R, L, C, k, buf):
            return


# ---------------------------------------------------------------------- insertion
@njit(cache=True)
def _route_insertions(W, R, L, rt, k, bd, bp):
    """Cheapest insertion of every unserved visit into route ``k``, whether it fits or not:
    detour in ``bd[k, u]`` (inf if ``u`` is not free), position in ``bp[k, u]``."""
    for u in range(1, W.shape[0] - 1):
        if rt[u] == -1:
            d, p = _best_ins(W, R, L, k, u)
            bd[k, u] = d
            bp[k, u] = p
        else:
            bd[k, u] = _INF


@njit(cache=True)
def _inserted(W, R, L, rt, k, pos, bd, bp):
    """Update row ``k`` of the insertion table after a visit went into route ``k`` at
    index ``pos``: only the edge it split is gone and two new edges came, so the result
    (detours and positions, first position on ties) equals a full recomputation."""
    v = R[k, pos]
    a = R[k, pos - 1]
    b = R[k, pos + 1]
    for u in range(1, W.shape[0] - 1):
        if rt[u] != -1:
            continue
        q = bp[k, u]
        if q == pos:  # its cheapest edge (a, b) was split
            d, p = _best_ins(W, R, L, k, u)
        else:
            d = bd[k, u]
            p = q + 1 if q > pos else q
            d1 = W[a, u] + W[u, v] - W[a, v]
            if d1 < d or (d1 == d and pos < p):
                d = d1
                p = pos
            d2 = W[v, u] + W[u, b] - W[v, b]
            if d2 < d or (d2 == d and pos + 1 < p):
                d = d2
                p = pos + 1
        bd[k, u] = d
        bp[k, u] = p


@njit(cache=True)
def _free_columns(W, R, L, rt, k, bd, bp):
    """Bring a still-valid row ``k`` up to date with the set of unserved visits: a visit
    freed since the row was computed gets its cheapest insertion, a visit served since
    gets inf."""
    for u in range(1, W.shape[0] - 1):
        if rt[u] != -1:
            bd[k, u] = _INF
        elif bd[k, u] == _INF:
            d, p = _best_ins(W, R, L, k, u)
            bd[k, u] = d
            bp[k, u] = p


@njit(cache=True)
def _repair(W, P, cap, R, L, C, rt, alpha, noise, bd, bp, wts, touched, dirty):
    """Greedy insertion of unserved visits by ``prize**alpha / detour`` (with noise) while
    any fits.  The insertion table ``bd`` / ``bp`` is recomputed for the routes flagged in
    ``dirty`` (then cleared); the other rows are kept from the last call (their routes
    have not changed since) and only follow the visits freed or served meanwhile."""
    K = R.shape[0]
    N = W.shape[0]
    n = N - 2
    any_free = False
    for u in range(1, n + 1):
        if rt[u] == -1:
            any_free = True
            w = P[u] ** alpha
            if noise > 0:
                w *= 1.0 + noise * (2.0 * np.random.random() - 1.0)
            wts[u] = w
    if not any_free:
        return
    for k in range(K):
        if dirty[k]:
            _route_insertions(W, R, L, rt, k, bd, bp)
            dirty[k] = False
        else:
            _free_columns(W, R, L, rt, k, bd, bp)
    while True:
        best = 0.0
        bk = -1
        bu = -1
        for k in range(K):
            slack = cap - C[k] + _EPS
            for u in range(1, n + 1):
                d = bd[k, u]
                if d <= slack:
                    s = wts[u] / (max(d, 0.0) + 1e-6)
                    if s > best:
                        best = s
                        bk = k
                        bu = u
        if bk < 0:
            return
        pos = bp[bk, bu]
        _insert_at(R, L, bk, pos, bu)
        C[bk] += bd[bk, bu]
        rt[bu] = bk
        touched[bk] = True
        for k in range(K):
            bd[k, bu] = _INF
        _inserted(W, R, L, rt, bk, pos, bd, bp)


# ---------------------------------------------------------------------- replace
@njit(cache=True)
def _replace(W, P, cap, R, L, C, rt):
    """Best swap of a served visit for an unserved one of higher prize (or equal
    prize and a shorter route).  Returns the changed route or -1."""
    K = R.shape[0]
    N = W.shape[0]
    n = N - 2
    best_gain = 0.0
    best_short = 0.0
    mk = -1
    mu = -1
    mi = -1
    mpos = -1  # -1: bridge (u takes w's place)
    for k in range(K):
        Lk = L[k]
        if Lk <= 2:
            continue
        floor = _INF
        for i in range(1, Lk - 1):
            if P[R[k, i]] < floor:
                floor = P[R[k, i]]
        for u in range(1, n + 1):
            if rt[u] != -1 or P[u] < floor - 1e-9:
                continue
            # best three insertion edges for u
            v1 = _INF
            v2 = _INF
            v3 = _INF
            e1 = -1
            e2 = -1
            e3 = -1
            for e in range(Lk - 1):
                a = R[k, e]
                b = R[k, e + 1]
                d = W[a, u] + W[u, b] - W[a, b]
                if d < v1:
                    v3, e3 = v2, e2
                    v2, e2 = v1, e1
                    v1, e1 = d, e
                elif d < v2:
                    v3, e3 = v2, e2
                    v2, e2 = d, e
                elif d < v3:
                    v3, e3 = d, e
            for i in range(1, Lk - 1):
                w = R[k, i]
                gain = P[u] - P[w]
                if gain < -1e-9:
                    continue
                p = R[k, i - 1]
                nx = R[k, i + 1]
                save = W[p, w] + W[w, nx] - W[p, nx]
                bridge = W[p, u] + W[u, nx] - W[p, nx]
                ins = bridge
                pos = -1
                # edges i-1 and i touch w
                if e1 != i - 1 and e1 != i:
                    if v1 < ins:
                        ins = v1
                        pos = e1
                elif e2 != i - 1 and e2 != i:
                    if v2 < ins:
                        ins = v2
                        pos = e2
                elif e3 >= 0 and v3 < ins:
                    ins = v3
                    pos = e3
                newc = C[k] - save + ins
                if newc > cap + _EPS:
                    continue
                short = C[k] - newc
                if gain > 1e-9 or short > 1e-6:
                    if gain > best_gain + 1e-12 or (
                        abs(gain - best_gain) <= 1e-12 and short > best_short
                    ):
                        best_gain = gain
                        best_short = short
                        mk = k
                        mu = u
                        mi = i
                        mpos = pos
    if mk < 0:
        return -1
    w = R[mk, mi]
    if mpos == -1:
        R[mk, mi] = mu
    else:
        # insert u after edge start mpos, then remove w
        _insert_at(R, L, mk, mpos + 1, mu)
        wi = mi + 1 if mpos + 1 <= mi else mi
        _remove_at(R, L, mk, wi)
    rt[mu] = mk
    rt[w] = -1
    C[mk] = _route_cost(W, R, L, mk)
    return mk


@njit(cache=True)
def _inter(W, cap, R, L, C, rt, touched):
    """Relocate one visit to another route, or swap two visits of different
    routes, when the total cost drops (first improvement, repeated).  Shorter
    routes leave room for more insertions.  Returns True if anything moved."""
    K = R.shape[0]
    moved = False
    improved = True
    while improved:
        improved = False
        for a in range(K):
            for i in range(1, L[a] - 1):
                v = R[a, i]
                pa = R[a, i - 1]
                na = R[a, i + 1]
                save = W[pa, v] + W[v, na] - W[pa, na]
                for b in range(K):
                    if b == a:
                        continue
                    d, pos = _best_ins(W, R, L, b, v)
                    if d < save - 1e-9 and C[b] + d <= cap + _EPS:
                        _remove_at(R, L, a, i)
                        _insert_at(R, L, b, pos, v)
                        C[a] -= save
                        C[b] += d
                        rt[v] = b
                        touched[a] = True
                        touched[b] = True
                        improved = True
                        break
                    for j in range(1, L[b] - 1):
                        w = R[b, j]
                        pb = R[b, j - 1]
                        nb = R[b, j + 1]
                        da = W[pa, w] + W[w, na] - W[pa, v] - W[v, na]
                        db = W[pb, v] + W[v, nb] - W[pb, w] - W[w, nb]
                        if (
                            da + db < -1e-9
                            and C[a] + da <= cap + _EPS
                            and C[b] + db <= cap + _EPS
                        ):
                            R[a, i] = w
                            R[b, j] = v
                            C[a] += da
                            C[b] += db
                            rt[v] = b
                            rt[w] = a
                            touched[a] = True
                            touched[b] = True
                            improved = True
                            break
                    if improved:
                        break
                if improved:
                    break
            if improved:
                break
        if improved:
            moved = True
    return moved



@njit(cache=True)
def _two_opt_star(W, cap, R, L, C, rt, touched, tmp):
    """Exchange route tails between two routes (first improvement on total cost)."""
    K = R.shape[0]
    for a in range(K):
        for b in range(a + 1, K):
            La = L[a]
            Lb = L[b]
            pre_a = 0.0
            for i in range(La - 1):
                if i > 0:
                    pre_a += W[R[a, i - 1], R[a, i]]
                suf_a = C[a] - pre_a - W[R[a, i], R[a, i + 1]]
                pre_b = 0.0
                for j in range(Lb - 1):
                    if j > 0:
                        pre_b += W[R[b, j - 1], R[b, j]]
                    suf_b = C[b] - pre_b - W[R[b, j], R[b, j + 1]]
                    na = pre_a + W[R[a, i], R[b, j + 1]] + suf_b
                    nb = pre_b + W[R[b, j], R[a, i + 1]] + suf_a
                    if na + nb < C[a] + C[b] - 1e-7 and na <= cap + _EPS and nb <= cap + _EPS:
                        # new a = a[0..i] + b[j+1..]; new b = b[0..j] + a[i+1..]
                        m = 0
                        for t in range(j + 1):
                            tmp[m] = R[b, t]
                            m += 1
                        for t in range(i + 1, La):
                            tmp[m] = R[a, t]
                            m += 1
                        for t in range(j + 1, Lb):
                            R[a, i + 1 + t - (j + 1)] = R[b, t]
                        L[a] = i + 1 + Lb - (j + 1)
                        for t in range(m):
                            R[b, t] = tmp[t]
                        L[b] = m
                        C[a] = _route_cost(W, R, L, a)
                        C[b] = _route_cost(W, R, L, b)
                        for t in range(1, L[a] - 1):
                            rt[R[a, t]] = a
                        for t in range(1, L[b] - 1):
                            rt[R[b, t]] = b
                        touched[a] = True
                        touched[b] = True
                        return True
    return False


@njit(cache=True)
def _local_search(W, P, cap, R, L, C, rt, touched, alpha, bd, bp, wts, buf, use_inter):
    K = R.shape[0]
    tmp = np.empty(W.shape[0] + 1, dtype=np.int64)
    dirty = np.ones(K, dtype=np.bool_)  # insertion-table rows to recompute
    for k in range(K):
        if touched[k]:
            _intra(W, R, L, C, k, buf)
            C[k] = _route_cost(W, R, L, k)
    for _ in range(10 * W.shape[0] + 10):
        for k in range(K):
            touched[k] = False
        _repair(W, P, cap, R, L, C, rt, alpha, 0.0, bd, bp, wts, touched, dirty)
        changed = False
        for k in range(K):
            if touched[k]:
                changed = True
        if not changed:
            k = _replace(W, P, cap, R, L, C, rt)
            if k >= 0:
                touched[k] = True
            elif not (
                use_inter
                and (
                    (use_inter == 1 and _inter(W, cap, R, L, C, rt, touched))
                    or _two_opt_star(W, cap, R, L, C, rt, touched, tmp)
                )
            ):
                return
        for k in range(K):
            if touched[k]:
                _intra(W, R, L, C, k, buf)
                C[k] = _route_cost(W, R, L, k)
                dirty[k] = True


# ---------------------------------------------------------------------- ruin
@njit(cache=True)
def _remove_set(W, R, L, C, rt, victim, touched):
    K = R.shape[0]
    for k in range(K):
        m = 1
        ch = False
        for i in range(1, L[k]):
            v = R[k, i]
            if i < L[k] - 1 and victim[v]:
                rt[v] = -1
                ch = True
                continue
            R[k, m] = v
            m += 1
        if ch:
            L[k] = m
            C[k] = _route_cost(W, R, L, k)
            touched[k] = True


@njit(cache=True)
def _weighted_pick(P, rt, routed=False):
    """A visit drawn with probability proportional to its prize among the unserved ones
    (or, with ``routed``, the served ones); -1 if there is none."""
    tot = 0.0
    for u in range(1, P.shape[0] - 1):
        if (rt[u] >= 0) if routed else (rt[u] == -1):
            tot += P[u]
    if tot <= 0:
        return -1
    r = np.random.random() * tot
    last = -1
    for u in range(1, P.shape[0] - 1):
        if (rt[u] >= 0) if routed else (rt[u] == -1):
            last = u
            r -= P[u]
            if r <= 0:
                return u
    return last


@njit(cache=True)
def _worst_visit(W, P, R, L, k, keep):
    """Position in route ``k`` of the visit with the lowest prize per detour, ``keep``
    excepted; -1 if there is none."""
    worst = _INF
    wi = -1
    for i in range(1, L[k] - 1):
        v = R[k, i]
        if v == keep:
            continue
        a = R[k, i - 1]
        b = R[k, i + 1]
        r = P[v] / (W[a, v] + W[v, b] - W[a, b] + 1e-6)
        if r < worst:
            worst = r
            wi = i
    return wi


@njit(cache=True)
def _seed_insert(W, P, cap, R, L, C, rt, touched, p_routed):
    """Force one visit into a random route, dropping that route's worst prize-per-detour
    visits until it fits again.  The visit is an unserved one (weighted by prize) or, with
    probability ``p_routed``, a served one moved out of its route (an ejection move: the
    receiving route makes room, the giving route's freed time is refilled by the repair).
    Ejection seeds are used with three teams or more: on the 2-team benchmark instances they
    lowered the hit rate (p4.2.l reached Chao in 3 of 20 seeds instead of 8) while on 3- and
    4-team ones they raised it (p4.3.o: 18 of 20 instead of 7)."""
    K = R.shape[0]
    if K > 2 and np.random.random() < p_routed:
        u = _weighted_pick(P, rt, True)
        if u < 0:
            return False
        a = rt[u]
        for i in range(1, L[a] - 1):
            if R[a, i] == u:
                _remove_at(R, L, a, i)
                break
        C[a] = _route_cost(W, R, L, a)
        rt[u] = -1
        touched[a] = True
        k = (a + 1 + np.random.randint(0, K - 1)) % K
    else:
        u = _weighted_pick(P, rt)
        if u < 0:
            return False
        k = np.random.randint(0, K)
    d, pos = _best_ins(W, R, L, k, u)
    _insert_at(R, L, k, pos, u)
    C[k] += d
    rt[u] = k
    while C[k] > cap + _EPS:
        wi = _worst_visit(W, P, R, L, k, u)
        if wi < 0:  # u alone does not fit (cannot happen for eligible visits)
            for i in range(1, L[k] - 1):
                if R[k, i] == u:
                    _remove_at(R, L, k, i)
                    break
            rt[u] = -1
            C[k] = _route_cost(W, R, L, k)
            return True
        v = R[k, wi]
        a = R[k, wi - 1]
        b = R[k, wi + 1]
        C[k] -= W[a, v] + W[v, b] - W[a, b]
        _remove_at(R, L, k, wi)
        rt[v] = -1
    C[k] = _route_cost(W, R, L, k)
    touched[k] = True
    return True


@njit(cache=True)
def _spliced(R, L, k, i, la, h, j, lb, rev):
    """Route ``k`` with its visits at ``i .. i + la - 1`` replaced by those of route ``h`` at
    ``j .. j + lb - 1`` (reversed if ``rev``), as a new node array."""
    out = np.empty(L[k] - la + lb, dtype=np.int64)
    m = 0
    for t in range(i):
        out[m] = R[k, t]
        m += 1
    for t in range(lb):
        out[m] = R[h, j + lb - 1 - t] if rev else R[h, j + t]
        m += 1
    for t in range(i + la, L[k]):
        out[m] = R[k, t]
        m += 1
    return out


@njit(cache=True)
def _set_route(R, L, rt, k, seq):
    """Make ``seq`` (depots included) route ``k`` and record its visits in ``rt``."""
    L[k] = seq.shape[0]
    for t in range(L[k]):
        R[k, t] = seq[t]
        if 0 < t < L[k] - 1:
            rt[seq[t]] = k


@njit(cache=True)
def _cross(W, P, cap, R, L, C, rt, near, touched, victim):
    """Segment-exchange ruin: swap a segment of 1-4 visits of one route with the segment
    of 1-4 visits that starts at the nearest visit served by another route (both reversed
    half the time), then drop the worst prize-per-detour visits of a route left too long;
    the dropped visits are flagged in ``victim`` (and held back like any ruin's).
    Returns False if no visit of another route is among the seed's neighbours.

    The CROSS exchange of VRP local search used as a perturbation: set-4 solutions one
    point short of the best known often need two routes to trade a few visits, a trade
    that shortens neither route, before a low-prize pair can make way for a better visit
    (p4.4.s: 17, 29, 81 against 15, 75, 90, then 53 and 93 out and 2 in)."""
    K = R.shape[0]
    N = W.shape[0]
    routed = 0
    for k in range(K):
        routed += L[k] - 2
    if routed == 0:
        return False
    r = np.random.randint(0, routed)
    a = -1
    i = -1
    for k in range(K):
        m = L[k] - 2
        if r < m:
            a = k
            i = 1 + r
            break
        r -= m
    v = R[a, i]
    b = -1
    w = -1
    for t in range(near.shape[1]):
        x = near[v, t]
        if x >= 1 and x <= N - 2 and rt[x] >= 0 and rt[x] != a:
            b = rt[x]
            w = x
            break
    if b < 0:
        return False
    j = -1
    for t in range(1, L[b] - 1):
        if R[b, t] == w:
            j = t
            break
    la = min(np.random.randint(1, 5), L[a] - 1 - i)
    lb = min(np.random.randint(1, 5), L[b] - 1 - j)
    rev = np.random.random() < 0.5
    ta = _spliced(R, L, a, i, la, b, j, lb, rev)
    tb = _spliced(R, L, b, j, lb, a, i, la, rev)
    for v in range(N):
        victim[v] = False
    _set_route(R, L, rt, a, ta)
    _set_route(R, L, rt, b, tb)
    for k in (a, b):
        C[k] = _route_cost(W, R, L, k)
        touched[k] = True
        while C[k] > cap + _EPS:
            wi = _worst_visit(W, P, R, L, k, -1)
            x = R[k, wi]
            _remove_at(R, L, k, wi)
            rt[x] = -1
            victim[x] = True
            C[k] = _route_cost(W, R, L, k)
    return True


@njit(cache=True)
def _ruin(W, P, cap, R, L, C, rt, near, touched, victim, p_seed, qcap, p_routed, p_cross):
    """Returns 0 when no visit set was removed (a forced seed, or nothing routed), 1 after
    removing the visits flagged in ``victim`` and 2 when that set was a whole route."""
    K = R.shape[0]
    N = W.shape[0]
    n = N - 2
    if p_cross > 0 and K > 1 and np.random.random() < p_cross:
        if _cross(W, P, cap, R, L, C, rt, near, touched, victim):
            return 1
    if np.random.random() < p_seed:
        if _seed_insert(W, P, cap, R, L, C, rt, touched, p_routed):
            return 0
    routed = 0
    for k in range(K):
        routed += L[k] - 2
    if routed == 0:
        return 0
    for v in range(N):
        victim[v] = False
    qmax = max(2, min(int(0.5 * routed), qcap))
    q = np.random.randint(1, qmax + 1)
    op = np.random.random()
    whole = False
    if op < 0.25:
        cnt = 0
        tries = 0
        while cnt < min(q, routed) and tries < 10 * n:
            tries += 1
            v = np.random.randint(1, n + 1)
            if rt[v] >= 0 and not victim[v]:
                victim[v] = True
                cnt += 1
    elif op < 0.5:
        for k in range(K):
            m = L[k] - 2
            if m > 0 and np.random.random() < 0.7:
                seg = np.random.randint(1, max(1, math.ceil(0.4 * m)) + 1)
                i = np.random.randint(0, m - seg + 1)
                for t in range(seg):
                    victim[R[k, 1 + i + t]] = True
    elif op < 0.8:
        # a random routed visit and its nearest routed neighbours
        r = np.random.randint(0, routed)
        seed = -1
        for k in range(K):
            m = L[k] - 2
            if r < m:
                seed = R[k, 1 + r]
                break
            r -= m
        victim[seed] = True
        cnt = 1
        for t in range(near.shape[1]):
            if cnt >= q:
                break
            v = near[seed, t]
            if rt[v] >= 0 and not victim[v]:
                victim[v] = True
                cnt += 1
                if cnt >= q:
                    break
    elif op < 0.9 and K > 1:
        r = np.random.randint(0, K)
        for t in range(K):
            k = (r + t) % K
            if L[k] > 2:
                for i in range(1, L[k] - 1):
                    victim[R[k, i]] = True
                whole = True
                break
    else:
        # low prize per detour, with noise
        sc = np.empty(routed)
        ids = np.empty(routed, dtype=np.int64)
        m = 0
        for k in range(K):
            for i in range(1, L[k] - 1):
                v = R[k, i]
                a = R[k, i - 1]
                b = R[k, i + 1]
                save = W[a, v] + W[v, b] - W[a, b]
                sc[m] = P[v] / (save + 1e-6) * (0.5 + np.random.random())
                ids[m] = v
                m += 1
        order = np.argsort(sc)
        for t in range(min(q, routed)):
            victim[ids[order[t]]] = True
    _remove_set(W, R, L, C, rt, victim, touched)
    return 2 if whole else 1



# ---------------------------------------------------------------------- route pool
@njit(cache=True)
def _pool_add(R, L, C, P, k, PR, PL, PP, PC, PB, pstate):
    """Remember route ``k`` (a set of visits; the shortest order is kept)."""
    if L[k] <= 2:
        return
    nw = PB.shape[1]
    bits = np.zeros(nw, dtype=np.uint64)
    prize = 0.0
    for i in range(1, L[k] - 1):
        v = R[k, i]
        bits[v >> 6] |= np.uint64(1) << np.uint64(v & 63)
        prize += P[v]
    n = int(pstate[0])
    for m in range(n):
        if PP[m] != prize:
            continue
        same = True
        for w in range(nw):
            if PB[m, w] != bits[w]:
                same = False
                break
        if same:
            if C[k] < PC[m] - 1e-9:
                PC[m] = C[k]
                PL[m] = L[k]
                for i in range(L[k]):
                    PR[m, i] = R[k, i]
            return
    if n < PP.shape[0]:
        m = n
        pstate[0] = n + 1
    else:
        m = 0
        for j in range(1, n):
            if PP[j] < PP[m] or (PP[j] == PP[m] and PC[j] > PC[m]):
                m = j
        if PP[m] > prize or (PP[m] == prize and PC[m] <= C[k]):
            return
    PP[m] = prize
    PC[m] = C[k]
    PL[m] = L[k]
    for i in range(L[k]):
        PR[m, i] = R[k, i]
    for w in range(nw):
        PB[m, w] = bits[w]


@njit(cache=True)
def _pool_pack(K, PP, PC, PB, n, limit, lower, budget, sel):
    """Best set of at most ``K`` disjoint pooled routes with prize > ``lower``
    (branch and bound over the ``limit`` best routes).  Writes the chosen pool
    rows to ``sel`` and returns how many (0 if none beats ``lower``)."""
    nw = PB.shape[1]
    key = np.empty(n)
    cmax = 1.0
    for m in range(n):
        if PC[m] > cmax:
            cmax = PC[m]
    for m in range(n):
        key[m] = -PP[m] + 1e-6 * PC[m] / cmax
    order = np.argsort(key)[: min(n, limit)]
    cnt = order.shape[0]
    used = np.zeros((K + 1, nw), dtype=np.uint64)
    pr = np.zeros(K + 1)
    nxt = np.zeros(K + 1, dtype=np.int64)
    chosen = np.full(K, -1, dtype=np.int64)
    best = lower + 1e-9
    nbest = 0
    depth = 0
    while True:
        if depth == K or nxt[depth] >= cnt:
            if depth == 0:
                break
            depth -= 1
            continue
        i = nxt[depth]
        nxt[depth] += 1
        r = order[i]
        if pr[depth] + PP[r] * (K - depth) <= best:
            nxt[depth] = cnt  # sorted by prize: nothing later at this depth can win
            continue
        budget -= 1
        if budget <= 0:
            break
        ok = True
        for w in range(nw):
            if used[depth, w] & PB[r, w]:
                ok = False
                break
        if not ok:
            continue
        chosen[depth] = r
        for w in range(nw):
            used[depth + 1, w] = used[depth, w] | PB[r, w]
        pr[depth + 1] = pr[depth] + PP[r]
        if pr[depth + 1] > best:
            best = pr[depth + 1]
            nbest = depth + 1
            for t in range(nbest):
                sel[t] = chosen[t]
        depth += 1
        nxt[depth] = i + 1
    return nbest


# ---------------------------------------------------------------------- search
@njit(cache=True)
def _construct(W, P, cap, R, L, C, rt, bd, bp, wts, buf, touched, seeded, alpha, use_inter):
    K = R.shape[0]
    N = W.shape[0]
    for k in range(K):
        R[k, 0] = 0
        R[k, 1] = N - 1
        L[k] = 2
        C[k] = W[0, N - 1]
        touched[k] = True
    for u in range(N):
        rt[u] = -1
    rt[0] = -2
    rt[N - 1] = -2
    if seeded:
        for k in range(K):
            u = _weighted_pick(P, rt)
            if u < 0:
                break
            d, pos = _best_ins(W, R, L, k, u)
            if C[k] + d <= cap + _EPS:
                _insert_at(R, L, k, pos, u)
                C[k] += d
                rt[u] = k
        _repair(W, P, cap, R, L, C, rt, alpha, 0.2, bd, bp, wts, touched, np.ones(R.shape[0], dtype=np.bool_))
    _local_search(W, P, cap, R, L, C, rt, touched, 1.0, bd, bp, wts, buf, use_inter)


@njit(cache=True)
def _copy(R, L, C, rt, R2, L2, C2, rt2):
    K = R.shape[0]
    for k in range(K):
        L2[k] = L[k]
        C2[k] = C[k]
        for i in range(L[k]):
            R2[k, i] = R[k, i]
    for u in range(rt.shape[0]):
        rt2[u] = rt[u]


@njit(cache=True)
def _better(pa, ca, pb, cb):
    if pa > pb + 1e-9:
        return True
    if pa < pb - 1e-9:
        return False
    return ca < cb - 1e-9


@njit(cache=True)
def _total(C):
    s = 0.0
    for k in range(C.shape[0]):
        s += C[k]
    return s


@njit(cache=True)
def _try_pack(W, P, cap, R, L, C, rt, PR, PL, PP, PC, PB, pstate, limit, lower, bd, bp, wts, buf, touched):
    """Recombine pooled routes into ``R`` (then local search); True if the packed
    prize beats ``lower``."""
    K = R.shape[0]
    N = W.shape[0]
    n = int(pstate[0])
    if n == 0:
        return False
    sel = np.full(K, -1, dtype=np.int64)
    nsel = _pool_pack(K, PP, PC, PB, n, limit, lower, 20000, sel)
    if nsel == 0:
        return False
    for u in range(N):
        rt[u] = -1
    rt[0] = -2
    rt[N - 1] = -2
    for k in range(K):
        touched[k] = True
        if k < nsel:
            m = sel[k]
            L[k] = PL[m]
            for i in range(PL[m]):
                R[k, i] = PR[m, i]
                if 0 < i < PL[m] - 1:
                    rt[PR[m, i]] = k
            C[k] = _route_cost(W, R, L, k)
        else:
            R[k, 0] = 0
            R[k, 1] = N - 1
            L[k] = 2
            C[k] = W[0, N - 1]
    _local_search(W, P, cap, R, L, C, rt, touched, 1.0, bd, bp, wts, buf, 1)
    return _prize(P, R, L) > lower + 1e-9


@njit(cache=True)
def _scratch(K, N):
    """Work arrays of the repair / local search: insertion detours and positions per
    (route, visit), visit weights, an or-opt segment buffer, touched-route flags."""
    return (
        np.empty((K, N)),
        np.zeros((K, N), dtype=np.int64),
        np.zeros(N),
        np.zeros(4, dtype=np.int64),
        np.zeros(K, dtype=np.bool_),
    )


@njit(cache=True)
def final_pack(W, P, cap, Rb, Lb, Cb, rtb, PR, PL, PP, PC, PB, pstate, limit):
    """Last recombination of pooled routes; updates the best state if it improves."""
    K = Rb.shape[0]
    N = W.shape[0]
    R = np.empty_like(Rb)
    L = np.empty_like(Lb)
    C = np.empty_like(Cb)
    rt = np.empty_like(rtb)
    bd, bp, wts, buf, touched = _scratch(K, N)
    pb = _prize(P, Rb, Lb)
    if _try_pack(W, P, cap, R, L, C, rt, PR, PL, PP, PC, PB, pstate, limit, pb, bd, bp, wts, buf, touched):
        _copy(R, L, C, rt, Rb, Lb, Cb, rtb)
        return True
    return False


@njit(cache=True)
def init_state(W, P, cap, near, seed, R, L, C, rt, Rb, Lb, Cb, rtb):
    np.random.seed(seed)
    K = R.shape[0]
    N = W.shape[0]
    bd, bp, wts, buf, touched = _scratch(K, N)
    _construct(W, P, cap, R, L, C, rt, bd, bp, wts, buf, touched, False, 1.0, 1)
    _copy(R, L, C, rt, Rb, Lb, Cb, rtb)


@njit(cache=True)
def run_chunk(
    W, P, cap, near, params, state, n_iter, R, L, C, rt, Rb, Lb, Cb, rtb, PR, PL, PP, PC, PB, pstate
):
    """Run ``n_iter`` iterations from the current state (arrays updated in place).

    ``params`` = (p_seed, qcap, restart, inter, back_to_best, pack_every, pack_limit, p_routed,
    p_hold, p_cross); ``state`` holds the
    iteration counter, iterations since the best, initial temperature and the
    iteration budget (for the cooling schedule).
    """
    K = R.shape[0]
    N = W.shape[0]
    bd, bp, wts, buf, touched = _scratch(K, N)
    victim = np.zeros(N, dtype=np.bool_)
    Rn = np.empty_like(R)
    Ln = np.empty_like(L)
    Cn = np.empty_like(C)
    rtn = np.empty_like(rt)
    alphas = np.array([0.5, 1.0, 1.0, 1.5, 2.0])
    noises = np.array([0.0, 0.1, 0.3])
    p_seed = params[0]
    qcap = int(params[1])
    restart = int(params[2])
    use_inter = int(params[3])
    back_to_best = params[4] > 0
    pack_every = int(params[5])
    pack_limit = int(params[6])
    p_routed = params[7]
    p_hold = params[8]
    p_cross = params[9]
    t0 = state[S_T0]
    maxit = state[S_MAXIT]
    pc = _prize(P, R, L)
    pb = _prize(P, Rb, Lb)
    for _ in range(n_iter):
        if state[S_WORK] >= state[S_MAXWORK]:
            break
        it = state[S_IT] + 1.0
        state[S_IT] = it
        _copy(R, L, C, rt, Rn, Ln, Cn, rtn)
        for k in range(K):
            touched[k] = False
        code = _ruin(W, P, cap, Rn, Ln, Cn, rtn, near, touched, victim, p_seed, qcap, p_routed, p_cross)
        alpha = alphas[np.random.randint(0, 5)]
        noise = noises[np.random.randint(0, 3)]
        if code == 2 or (code == 1 and np.random.random() < p_hold):
            # the removed visits wait while the first repair fills the freed time with
            # other unserved visits and a local search compacts the routes; then they
            # compete for what is left (always for an emptied route, so its visits go
            # elsewhere)
            for v in range(1, N - 1):
                if victim[v]:
                    rtn[v] = -3
            _repair(W, P, cap, Rn, Ln, Cn, rtn, alpha, noise, bd, bp, wts, touched, np.ones(Rn.shape[0], dtype=np.bool_))
            if code == 1:
                _local_search(W, P, cap, Rn, Ln, Cn, rtn, touched, alpha, bd, bp, wts, buf, use_inter)
            for v in range(1, N - 1):
                if rtn[v] == -3:
                    rtn[v] = -1
        _repair(W, P, cap, Rn, Ln, Cn, rtn, alpha, noise, bd, bp, wts, touched, np.ones(Rn.shape[0], dtype=np.bool_))
        _local_search(W, P, cap, Rn, Ln, Cn, rtn, touched, alpha, bd, bp, wts, buf, use_inter)
        pn = _prize(P, Rn, Ln)
        cn = _total(Cn)
        cc = _total(C)
        served = 0
        for k in range(K):
            served += Ln[k] - 2
        term_u = (N - 2 - served) * (served + K)
        term_s = served * served / K
        state[S_TERM_U] += term_u
        state[S_TERM_S] += term_s
        state[S_WORK] += WORK_U * term_u + WORK_S * term_s + WORK_1
        # cooling follows the iteration budget, the work budget or the clock, whichever
        # is furthest
        temp = t0 * (1.0 - max(it / maxit, state[S_TIME], state[S_WORK] / state[S_MAXWORK]))
        accept = pn > pc - 1e-9 and not (abs(pn - pc) <= 1e-9 and cn > cc + 1e-9)
        if not accept and temp > 0:
            delta = (pn - pc) + 1e-3 * (cc - cn)
            accept = np.random.random() < math.exp(delta / temp)
        if accept:
            _copy(Rn, Ln, Cn, rtn, R, L, C, rt)
            pc = pn
        if pack_every > 0:
            for k in range(K):
                _pool_add(Rn, Ln, Cn, P, k, PR, PL, PP, PC, PB, pstate)
            if int(it) % pack_every == 0 and _try_pack(
                W, P, cap, Rn, Ln, Cn, rtn, PR, PL, PP, PC, PB, pstate, pack_limit, pb, bd, bp, wts, buf,
                touched,
            ):
                pn = _prize(P, Rn, Ln)
                cn = _total(Cn)
                _copy(Rn, Ln, Cn, rtn, R, L, C, rt)
                pc = pn
        if _better(pn, cn, pb, _total(Cb)):
            _copy(Rn, Ln, Cn, rtn, Rb, Lb, Cb, rtb)
            pb = pn
            state[S_SINCE] = 0.0
            state[S_BACK] = 0.0
        else:
            state[S_SINCE] += 1.0
            if state[S_SINCE] > restart:
                # a stall: first go back to the best solution (its neighbourhood again, with
                # the walk's new pool and temperature), and if that stalls too, restart
                # from a new construction
                if back_to_best and state[S_BACK] == 0.0:
                    _copy(Rb, Lb, Cb, rtb, R, L, C, rt)
                    pc = pb
                    state[S_BACK] = 1.0
                else:
                    alpha = alphas[np.random.randint(0, 5)]
                    _construct(W, P, cap, R, L, C, rt, bd, bp, wts, buf, touched, True, alpha, use_inter)
                    pc = _prize(P, R, L)
                    state[S_BACK] = 0.0
                state[S_SINCE] = 0.0
    return pb
