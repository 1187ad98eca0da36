"""State vector layout and work model of the compiled search (:mod:`routes._kernels`).

Shared by the kernels and their driver (:mod:`routes._fast`), which must not import
numba when the ahead-of-time build (:mod:`routes._aot`) is present.
"""

# state vector layout (float64): iteration, since-best, temperature t0, max_iter,
# fraction of the search time used (set by the driver before each chunk; 0 when a work
# budget makes the search deterministic), work done and the work budget
S_IT, S_SINCE, S_T0, S_MAXIT, S_TIME, S_WORK, S_MAXWORK = 0, 1, 2, 3, 4, 5, 6
# then the sums of the work model's terms U * (S + K) and S^2 / K (for calibration)
S_TERM_U, S_TERM_S = 7, 8
# 1 once the walk has gone back to the best solution since that best was found (the next
# stall then restarts from a new construction), else 0
S_BACK = 9
#: length of the state vector
S_LEN = 10

# Deterministic work model of one iteration, in seconds on the reference machine (2-core
# x86, 2026): with S visits served, U unserved and K routes it costs about
# WORK_U * U * (S + K) (insertion tables) + WORK_S * S^2 / K (route moves) + WORK_1.
# Fitted on 10 set-4 instances and 12 single-shift product days of 24-312 candidates
# (benchmarks/routes_workload.py data); predicted / measured time 0.53-1.66, so budgets
# built on it need a wide margin (``routes.solver.FAST_WORK_SHARE``).
WORK_U, WORK_S, WORK_1 = 4.5e-8, 3.2e-8, 3.8e-6
