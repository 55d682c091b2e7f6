r"""Principal component analysis (PCA) by the singular value decomposition, and principal
angles between subspaces: the yardstick for chapter 06's autoencoders.

PCA with :math:`k` components, fitted on training data :math:`X` (:math:`n \times d`):

1. centre: :math:`\mu = \frac1n \sum_i x_i`, :math:`X_c = X - \mu`;
2. SVD: :math:`X_c = U S V^\top`; the rows of :math:`V^\top` are the principal directions,
   ordered by the singular values :math:`s_1 \ge s_2 \ge \dots`;
3. code of a (possibly new) row :math:`x`: :math:`z = (x - \mu) V_k`, a :math:`k`-vector;
4. reconstruction: :math:`\hat x = \mu + z V_k^\top`.

Among all ways to squeeze centred data through a :math:`k`-dimensional *linear* map and back,
this one has the smallest squared reconstruction error on the data it was fitted on
(Eckart & Young 1936). Its error on held-out data is what a linear autoencoder should match
(Baldi & Hornik 1989).

``principal_angles(A, B)`` measures how far apart the column spaces of two matrices are:
:math:`0^\circ` for every angle means the same subspace, whatever basis each uses. With
orthonormal bases :math:`Q_A, Q_B`, the cosines of the angles are the singular values of
:math:`Q_A^\top Q_B` (Björck & Golub 1973); small angles are taken from sines instead, which
stay accurate where :math:`\arccos` near 1 would not (Knyazev & Argentati 2002).

    from bplab.pca import PCA, principal_angles
    pca = PCA(8).fit(X_train)
    err = pca.reconstruction_error(X_test)            # mean over all elements, like the AE loss
    principal_angles(ae.params[0], pca.components_.T, degrees=True)
"""
from __future__ import annotations

import numpy as np

from ._validate import as_float_matrix, check_int, describe

__all__ = ["PCA", "principal_angles", "orthonormal_basis"]


class PCA:
    """PCA with ``n_components`` directions, fitted by the SVD of the centred data.

    After :meth:`fit`:

    ``mean_`` (d,)
        the training mean :math:`\\mu`.
    ``components_`` (k, d)
        the principal directions as orthonormal rows, largest variance first.
    ``singular_values_`` (k,)
        :math:`s_1 \\ge \\dots \\ge s_k` of the centred training data.
    ``explained_variance_`` (k,)
        variance along each direction, :math:`s_i^2 / (n - 1)`.
    ``explained_variance_ratio_`` (k,)
        the fraction of the total training variance each direction explains.
    """

    def __init__(self, n_components):
        self.n_components = check_int(n_components, "n_components", minimum=1)
        self.mean_ = None

    def __repr__(self):
        fitted = f", fitted on d={self.n_features_}" if self.mean_ is not None else ""
        return f"PCA(n_components={self.n_components}{fitted})"

    # ------------------------------------------------------------------ fitting
    def fit(self, X):
        """Fit on ``X`` (n, d): needs n >= 2 rows and n_components <= min(n, d). Returns self."""
        X = as_float_matrix(X, "X")
        n, d = X.shape
        if n < 2:
            raise ValueError(f"X has {n} row; PCA needs at least 2 rows to measure variance")
        if self.n_components > min(n, d):
            raise ValueError(f"n_components={self.n_components} is too large for X of shape {X.shape}: "
                             f"expected at most min(n_samples, n_features) = {min(n, d)}")
        self.mean_ = X.mean(axis=0)
        _, s, vt = np.linalg.svd(X - self.mean_, full_matrices=False)
        # Fix each direction's sign (largest |entry| positive) so results are reproducible.
        signs = np.sign(vt[np.arange(len(vt)), np.abs(vt).argmax(axis=1)])
        signs[signs == 0] = 1.0
        vt *= signs[:, None]
        k = self.n_components
        total = float((s ** 2).sum())
        self.n_features_ = d
        self.n_samples_ = n
        self.components_ = vt[:k].copy()
        self.singular_values_ = s[:k].copy()
        self.explained_variance_ = s[:k] ** 2 / (n - 1)
        self.explained_variance_ratio_ = s[:k] ** 2 / total if total > 0 else np.zeros(k)
        self.all_explained_variance_ratio_ = s ** 2 / total if total > 0 else np.zeros(len(s))
        return self

    def _check_fitted(self):
        if self.mean_ is None:
            raise RuntimeError("this PCA is not fitted yet: call pca.fit(X_train) first")

    # --------------------------------------------------------------- using it
    def transform(self, X):
        """Codes :math:`(X - \\mu) V_k` of shape (n, k)."""
        self._check_fitted()
        X = as_float_matrix(X, "X", n_features=self.n_features_, allow_1d_row=True)
        return (X - self.mean_) @ self.components_.T

    def inverse_transform(self, Z):
        """Back from codes (n, k) to data space: :math:`\\mu + Z V_k^\\top`."""
        self._check_fitted()
        Z = as_float_matrix(Z, "Z (codes)", n_features=self.n_components, allow_1d_row=True)
        return Z @ self.components_ + self.mean_

    def reconstruct(self, X):
        """Project onto the principal subspace and map back: inverse_transform(transform(X))."""
        return self.inverse_transform(self.transform(X))

    def reconstruction_error(self, X) -> float:
        """Mean squared reconstruction error over all elements (the autoencoder's loss)."""
        self._check_fitted()
        X = as_float_matrix(X, "X", n_features=self.n_features_, allow_1d_row=True)
        return float(np.mean((self.reconstruct(X) - X) ** 2))


# ---------------------------------------------------------------------- subspaces
def orthonormal_basis(A, name="A"):
    """An orthonormal basis (d, r) of the column space of ``A`` (d, r), by the SVD.

    Raises ValueError if the columns are linearly dependent (rank < r): the subspace would
    then have fewer dimensions than ``A`` has columns.
    """
    A = as_float_matrix(A, name)
    u, s, _ = np.linalg.svd(A, full_matrices=False)
    tol = max(A.shape) * np.finfo(A.dtype).eps * (s[0] if s.size else 0.0)
    rank = int((s > tol).sum())
    if rank < A.shape[1]:
        raise ValueError(f"{name} has {A.shape[1]} columns but rank {rank}: its columns are linearly "
                         "dependent, so they do not span a subspace of that dimension")
    return u


def principal_angles(A, B, *, degrees=False):
    """Principal angles between the column spaces of ``A`` (d, p) and ``B`` (d, q).

    Returns min(p, q) angles in ascending order (radians, or degrees with ``degrees=True``).
    All zero: one subspace contains the other. The cosines are the singular values of
    ``Qa.T @ Qb`` for orthonormal bases Qa, Qb; angles below 45° are computed from sines
    (singular values of ``Qb - Qa Qa.T Qb``) for accuracy near 0.
    """
    for name, M in (("A", A), ("B", B)):
        arr = np.asarray(M) if not isinstance(M, (str, bytes)) else None
        if arr is None or arr.ndim != 2:
            raise ValueError(f"{name} must be a 2-D matrix whose columns span a subspace, "
                             f"got {describe(M)}")
    qa = orthonormal_basis(A, "A")
    qb = orthonormal_basis(B, "B")
    if qa.shape[0] != qb.shape[0]:
        raise ValueError(f"A and B must have the same number of rows (the dimension of the space): "
                         f"got A with {qa.shape[0]} rows and B with {qb.shape[0]}")
    if qa.shape[1] < qb.shape[1]:
        qa, qb = qb, qa                      # make qa the larger subspace
    m = qa.T @ qb                            # (p, q), p >= q
    cos = np.clip(np.linalg.svd(m, compute_uv=False), -1.0, 1.0)   # descending: smallest angle first
    sin = np.clip(np.linalg.svd(qb - qa @ m, compute_uv=False), -1.0, 1.0)[::-1]  # ascending
    angles = np.where(cos ** 2 >= 0.5, np.arcsin(sin), np.arccos(cos))
    angles = np.sort(angles)
    return np.degrees(angles) if degrees else angles
