"""Reference values for packages/eval's statistics, computed with scipy / statsmodels / scikit-learn.

Regenerate (CI only reads the committed JSON):
    pip install scipy statsmodels scikit-learn
    python3 packages/eval/scripts/make_stats_fixtures.py > packages/eval/src/fixtures/stats-reference.json
"""
import json
import math
import sys

import numpy as np
import scipy
import scipy.special as sp
import scipy.stats as st
import sklearn
import statsmodels
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from statsmodels.stats.contingency_tables import cochrans_q, mcnemar
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

rng = np.random.default_rng(20261128)
out = {
    "generator": "packages/eval/scripts/make_stats_fixtures.py",
    "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__, "statsmodels": statsmodels.__version__, "sklearn": sklearn.__version__},
}

# McNemar: exact (statsmodels: 2 * binom.cdf(min, n, 1/2), capped at 1), mid-p, corrected chi-square.
mc = []
pairs = [(0, 1), (1, 0), (0, 5), (5, 0), (1, 1), (3, 10), (10, 3), (12, 13), (24, 0), (0, 24), (7, 18), (30, 45), (100, 150), (250, 251),
         (1000, 1100), (400000, 401500), (1_000_000, 1_002_000), (2_000_000, 2_000_000), (2_500_000, 2_497_000), (0, 3_000_000), (12, 3_000_000)]
for b, c in pairs:
    n, k = b + c, min(b, c)
    table = [[0, b], [c, 0]]
    ex = mcnemar(table, exact=True)
    chi = mcnemar(table, exact=False, correction=True)
    # logcdf underflows for huge n; sum the log pmf over 0..k instead when k is small.
    log_cdf = float(sp.logsumexp(st.binom.logpmf(np.arange(k + 1), n, 0.5))) if k < 10_000 else float(st.binom.logcdf(k, n, 0.5))
    log_tail = math.log(2) + log_cdf
    # mid-p = 2 P(X <= k-1) + P(X = k), written without subtraction.
    mid = 1.0 if b == c else 2 * st.binom.cdf(k - 1, n, 0.5) + st.binom.pmf(k, n, 0.5)
    mc.append({"b": b, "c": c, "exactP": float(ex.pvalue), "log10ExactP": min(0.0, log_tail / math.log(10)), "midP": float(mid),
               "chiSquare": float(chi.statistic), "chiSquareP": float(chi.pvalue)})
out["mcnemar"] = mc

# Cochran's Q on random correctness matrices (records x classifiers).
cq = []
for n, k, probs in [(20, 3, [0.5, 0.6, 0.7]), (50, 4, [0.7, 0.7, 0.8, 0.6]), (200, 3, [0.6, 0.65, 0.75]), (12, 2, [0.3, 0.8]), (1000, 5, [0.5, 0.52, 0.55, 0.5, 0.6])]:
    x = (rng.random((n, k)) < np.array(probs)).astype(int)
    res = cochrans_q(x)
    cq.append({"correct": x.T.astype(bool).tolist(), "q": float(res.statistic), "df": int(res.df), "p": float(res.pvalue)})
out["cochranQ"] = cq

# Holm and Benjamini-Hochberg.
adj = []
for p in [[0.01, 0.04, 0.03, 0.2], [0.001, 0.001, 0.5, 0.04, 0.04, 0.9], [0.9], [0.2, 0.8, 0.5], rng.random(15).round(6).tolist(), (rng.random(12) ** 4).tolist()]:
    adj.append({"p": [float(v) for v in p], "holm": multipletests(p, method="holm")[1].tolist(), "bh": multipletests(p, method="fdr_bh")[1].tolist()})
out["adjust"] = adj

# Nadeau-Bengio corrected resampled t-test.
nb = []
for a, b, n_train, n_test in [([0.70, 0.72, 0.68, 0.75, 0.71], [0.65, 0.69, 0.66, 0.70, 0.66], 400, 100),
                              ([0.5, 0.52, 0.49], [0.51, 0.50, 0.50], 300, 150),
                              (list(rng.random(10) * 0.1 + 0.6), list(rng.random(10) * 0.1 + 0.58), 900, 100)]:
    d = np.array(a) - np.array(b)
    J = len(d)
    t = d.mean() / math.sqrt((1 / J + n_test / n_train) * d.var(ddof=1))
    nb.append({"a": [float(v) for v in a], "b": [float(v) for v in b], "nTrain": n_train, "nTest": n_test, "t": float(t), "df": J - 1, "p": float(2 * st.t.sf(abs(t), J - 1))})
out["correctedTTest"] = nb

# Special functions.
out["studentT"] = [{"t": t, "df": df, "cdf": float(st.t.cdf(t, df))} for t, df in [(-3.2, 2), (0.0, 5), (0.5, 1), (1.7, 9), (2.5, 30), (-12.0, 4), (40.0, 3), (1.96, 1000)]]
out["chiSquareSf"] = [{"x": x, "df": df, "sf": float(st.chi2.sf(x, df))} for x, df in [(0.5, 1), (3.84, 1), (10.0, 1), (60.0, 1), (2.0, 3), (15.0, 4), (100.0, 10)]]
out["normalQuantile"] = [{"p": p, "z": float(st.norm.ppf(p))} for p in [1e-10, 0.001, 0.025, 0.3, 0.5, 0.8, 0.975, 0.999999]]
out["betaInc"] = [{"x": x, "a": a, "b": b, "value": float(sp.betainc(a, b, x))} for x, a, b in [(0.3, 2.0, 3.0), (0.5, 0.5, 0.5), (0.9, 10.0, 2.0), (0.01, 1.5, 40.0), (0.5, 200.0, 200.0)]]

# Wilson intervals.
out["wilson"] = [{"successes": s, "n": n, "level": lv, "low": float(lo), "high": float(hi)}
                 for s, n, lv in [(0, 10, 0.95), (10, 10, 0.95), (34, 50, 0.95), (5, 7, 0.9), (999, 1000, 0.99), (450, 900, 0.95)]
                 for lo, hi in [proportion_confint(s, n, alpha=1 - lv, method="wilson")]]

# Classification metrics (scikit-learn, zero_division=0, labels = union of gold and predicted).
cls = []
for n, k, acc in [(60, 4, 0.6), (300, 7, 0.5), (40, 3, 0.9)]:
    gold = rng.integers(0, k, n)
    pred = np.where(rng.random(n) < acc, gold, rng.integers(0, k + 1, n))  # k+1: a predicted-only label sometimes
    g = [f"c{v}" for v in gold]
    p = [f"c{v}" for v in pred]
    labels = sorted(set(g) | set(p))
    prec, rec, f1, sup = precision_recall_fscore_support(g, p, labels=labels, zero_division=0)
    cls.append({"gold": g, "predicted": p, "labels": labels, "accuracy": float(accuracy_score(g, p)),
                "macroF1": float(f1_score(g, p, average="macro", zero_division=0)), "microF1": float(f1_score(g, p, average="micro", zero_division=0)),
                "weightedF1": float(f1_score(g, p, average="weighted", zero_division=0)),
                "precision": prec.tolist(), "recall": rec.tolist(), "f1": f1.tolist(), "support": sup.tolist(),
                "confusion": confusion_matrix(g, p, labels=labels).tolist()})
out["classification"] = cls

# Multinomial logistic regression, L2 on weights only: sklearn minimises C * sum CE + ||W||^2 / 2,
# i.e. mean CE + lambda/2 ||W||^2 with lambda = 1 / (C N). Probabilities are unique (biases are
# only determined up to a shift), so those are compared.
from sklearn.linear_model import LogisticRegression
x = rng.random((40, 6)) * (rng.random((40, 6)) < 0.6)
x[x.sum(axis=1) == 0, 0] = 1.0
x = x / np.linalg.norm(x, axis=1, keepdims=True)
y = np.argmax(x @ rng.normal(size=(6, 3)) + rng.normal(scale=0.3, size=(40, 3)), axis=1)
C = 2.0
lr = LogisticRegression(C=C, tol=1e-12, max_iter=100000).fit(x, y)
out["logisticRegression"] = {"x": x.tolist(), "y": y.tolist(), "l2": 1 / (C * len(y)), "probabilities": lr.predict_proba(x).tolist()}

json.dump(out, sys.stdout, indent=1)
sys.stdout.write("\n")
