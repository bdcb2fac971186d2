"""Chapter 2, linear regression: the mistakes students make in the MSE, its gradient, the normal
equations, a gradient-descent step, standardisation and polynomial features.

Each function below is the worksheet's function with one real bug (see the package docstring).
"""

import numpy as np

from . import mistake

# ----------------------------------------------------------------------------- mse


@mistake(
    "mse",
    "MSE as a sum instead of a mean",
    "you add up the squared errors but never divide by n, the number of entries, so the loss "
    "is n times too large and grows with the size of the batch",
    section="The model and the loss",
)
def mse_sum(pred, target):
    return float(np.sum((pred - target) ** 2))


@mistake(
    "mse",
    "MSE averaged over the rows only",
    "you divide the summed squared errors by len(pred), the number of rows, instead of by the "
    "number of entries; for a 2-D input with k columns the loss is k times too large",
    section="The model and the loss",
)
def mse_rows(pred, target):
    return float(np.sum((pred - target) ** 2) / len(pred))


@mistake(
    "mse",
    "MSE with the 1/2 of the notes",
    "you compute (1/2n) sum (pred - target)^2, the convenient form for derivatives, but the MSE "
    "(PyTorch's mse_loss) has no 1/2: your loss is half the answer",
    section="The model and the loss",
)
def mse_half(pred, target):
    return float(np.mean((pred - target) ** 2) / 2)


@mistake(
    "mse",
    "mean absolute error instead of squared",
    "you average |pred - target| (the L1 loss, MAE), not the squared differences",
    section="The model and the loss",
)
def mse_as_mae(pred, target):
    return float(np.mean(np.abs(pred - target)))


@mistake(
    "mse",
    "square of the mean error",
    "you square the average error instead of averaging the squared errors: errors of opposite "
    "signs cancel before they are squared, so a bad fit can have a loss near 0",
    section="The model and the loss",
)
def mse_square_of_mean(pred, target):
    return float(np.mean(pred - target) ** 2)


@mistake(
    "mse",
    "root mean squared error",
    "you take the square root of the mean squared error (the RMSE); the MSE has no root",
    section="The model and the loss",
)
def mse_rmse(pred, target):
    return float(np.sqrt(np.mean((pred - target) ** 2)))


# ----------------------------------------------------------------------------- mse_backward


@mistake(
    "mse_backward",
    "MSE gradient without the 2",
    "the derivative of (pred - target)^2 is 2 (pred - target): your gradient is half the answer",
    section="The gradient, in matrix form",
)
def mse_backward_no_two(pred, target):
    return (pred - target) / pred.size


@mistake(
    "mse_backward",
    "MSE gradient without the 1/n",
    "the loss is a mean over its n entries, so every entry of the gradient carries a 1/n; without "
    "it the gradient is n times too large and a learning rate that worked is now far too big",
    section="The gradient, in matrix form",
)
def mse_backward_no_mean(pred, target):
    return 2.0 * (pred - target)


@mistake(
    "mse_backward",
    "MSE gradient with the sign flipped",
    "you differentiate with respect to the target, 2 (target - pred)/n (the notes' y - a): "
    "the gradient points uphill, so a descent step makes the loss grow",
    section="The gradient, in matrix form",
)
def mse_backward_sign(pred, target):
    return 2.0 * (target - pred) / pred.size


@mistake(
    "mse_backward",
    "MSE gradient divided by the number of rows",
    "you divide by len(pred), the number of rows, instead of by the number of entries n; for a "
    "2-D input with k columns the gradient is k times too large",
    section="The gradient, in matrix form",
)
def mse_backward_rows(pred, target):
    return 2.0 * (pred - target) / len(pred)


@mistake(
    "mse_backward",
    "the MAE's gradient for the MSE",
    "you return sign(pred - target)/n, the gradient of the mean absolute error: the MSE's "
    "gradient grows with the error instead of having the same size everywhere",
    section="The gradient, in matrix form",
)
def mse_backward_mae(pred, target):
    return np.sign(pred - target) / pred.size


# ----------------------------------------------------------------------------- normal_equations


@mistake(
    "normal_equations",
    "an intercept column added a second time",
    "X already holds a column of ones when the model needs an intercept; adding another one "
    "returns D + 1 weights (and two equal columns make X^T X singular)",
    section="The normal equations",
)
def normal_equations_own_intercept(X, y):
    Xb = np.column_stack([np.ones(len(X)), X])
    return np.linalg.solve(Xb.T @ Xb, Xb.T @ y)


@mistake(
    "normal_equations",
    "lstsq's whole result returned",
    "np.linalg.lstsq returns a tuple (solution, residuals, rank, singular values): return only its "
    "first entry",
    section="The normal equations",
)
def normal_equations_lstsq_tuple(X, y):
    return np.linalg.lstsq(X, y, rcond=None)


@mistake(
    "normal_equations",
    "weights as a column vector",
    "with y reshaped to (N, 1) the weights come out with shape (D, 1); keep y and w one-dimensional, "
    "or (N, 1) - (N,) will silently broadcast to (N, N) later",
    section="The normal equations",
)
def normal_equations_column(X, y):
    return np.linalg.solve(X.T @ X, X.T @ y.reshape(-1, 1))


@mistake(
    "normal_equations",
    "X X^T instead of X^T X",
    "the matrix of the normal equations is X^T X, of shape (D, D); X X^T is (N, N), which only "
    "fits when X is square, and even then gives other weights",
    section="The normal equations",
)
def normal_equations_outer(X, y):
    return np.linalg.solve(X @ X.T, X.T @ y)


@mistake(
    "normal_equations",
    "X w = y solved directly",
    "np.linalg.solve(X, y) needs a square X, and least squares has more equations than unknowns: "
    "multiply both sides by X^T first and solve X^T X w = X^T y",
    section="The normal equations",
)
def normal_equations_solve_x(X, y):
    return np.linalg.solve(X, y)


# ----------------------------------------------------------------------------- linear_gd_step


@mistake(
    "linear_gd_step",
    "gradient step without the 2",
    "the gradient of (1/N)||Xw - y||^2 is (2/N) X^T (Xw - y); without the 2 your step is half as "
    "long",
    section="The gradient, in matrix form",
)
def linear_gd_step_no_two(w, X, y, lr):
    return w - lr * (X.T @ (X @ w - y)) / X.shape[0]


@mistake(
    "linear_gd_step",
    "the notes' gradient X^T (Xw - y)",
    "without the 2/N your gradient is that of the summed half squared error, N/2 times the "
    "gradient of the MSE: the step grows with the number of samples",
    section="The gradient, in matrix form",
)
def linear_gd_step_notes(w, X, y, lr):
    return w - lr * (X.T @ (X @ w - y))


@mistake(
    "linear_gd_step",
    "a step up the gradient",
    "you add lr times the gradient instead of subtracting it (the notes' x + alpha grad f): every "
    "step climbs and the loss grows",
    section="Gradient descent",
)
def linear_gd_step_ascent(w, X, y, lr):
    return w + lr * 2.0 / X.shape[0] * (X.T @ (X @ w - y))


@mistake(
    "linear_gd_step",
    "divided by the number of features",
    "you divide by X.shape[1] (D, the features) instead of X.shape[0] (N, the samples): the step "
    "is N/D times too long",
    section="The gradient, in matrix form",
)
def linear_gd_step_over_d(w, X, y, lr):
    return w - lr * 2.0 / X.shape[1] * (X.T @ (X @ w - y))


@mistake(
    "linear_gd_step",
    "the step returned instead of the new weights",
    "you return -lr times the gradient, the change of w, instead of w plus that change",
    section="Gradient descent",
)
def linear_gd_step_delta(w, X, y, lr):
    return -lr * 2.0 / X.shape[0] * (X.T @ (X @ w - y))


# ----------------------------------------------------------------------------- standardize


@mistake(
    "standardize",
    "test set scaled with its own statistics",
    "the test set must be scaled with the training mean and standard deviation; with its own "
    "statistics the same raw value maps to different inputs in training and in testing",
    section="Feature scaling",
)
def standardize_test_own_stats(X_train, X_test):
    def scale(X):
        sigma = X.std(axis=0)
        return (X - X.mean(axis=0)) / np.where(sigma > 0, sigma, 1.0)

    return scale(X_train), scale(X_test)


@mistake(
    "standardize",
    "sample standard deviation (ddof=1)",
    "you divide by the sample standard deviation (N - 1 in the variance) where the population one "
    "(N, NumPy's default ddof=0) is asked: every z is sqrt((N-1)/N) times too small",
    section="Feature scaling",
)
def standardize_ddof1(X_train, X_test):
    mu = X_train.mean(axis=0)
    sigma = X_train.std(axis=0, ddof=1)
    sigma = np.where(sigma > 0, sigma, 1.0)
    return (X_train - mu) / sigma, (X_test - mu) / sigma


@mistake(
    "standardize",
    "one mean and std for the whole matrix",
    "without axis=0, mean() and std() reduce over every entry, so all columns share one mean and "
    "one scale; each column needs its own",
    section="Feature scaling",
)
def standardize_no_axis(X_train, X_test):
    mu = X_train.mean()
    sigma = X_train.std()
    sigma = sigma if sigma > 0 else 1.0
    return (X_train - mu) / sigma, (X_test - mu) / sigma


@mistake(
    "standardize",
    "divided by the variance",
    "you divide by the variance, not the standard deviation (the notes' \"subtract the mean and "
    'divide by the variance"): the columns do not get unit spread',
    section="Feature scaling",
)
def standardize_variance(X_train, X_test):
    mu = X_train.mean(axis=0)
    var = X_train.var(axis=0)
    var = np.where(var > 0, var, 1.0)
    return (X_train - mu) / var, (X_test - mu) / var


@mistake(
    "standardize",
    "no guard for a constant column",
    "a constant column has standard deviation 0, and 0/0 gives NaN; use 1 there so the column "
    "maps to 0",
    section="Feature scaling",
)
def standardize_constant_nan(X_train, X_test):
    mu = X_train.mean(axis=0)
    sigma = X_train.std(axis=0)
    return (X_train - mu) / sigma, (X_test - mu) / sigma


# ----------------------------------------------------------------------------- poly_features_1d


@mistake(
    "poly_features_1d",
    "a column of ones in front",
    "you start the powers at 0, adding the constant column x^0 = 1: degree + 1 columns where "
    "degree are asked (the model's intercept already plays that role)",
    section="Polynomial features: a first look at over-fitting",
)
def poly_features_with_ones(x, degree):
    return x[:, None] ** np.arange(degree + 1)


@mistake(
    "poly_features_1d",
    "powers 0 to degree - 1",
    "np.arange(degree) runs from 0 to degree - 1: your columns are 1, x, ..., x^(degree-1), one "
    "power short at the top and with a constant column at the start",
    section="Polynomial features: a first look at over-fitting",
)
def poly_features_off_by_one(x, degree):
    return x[:, None] ** np.arange(degree)


@mistake(
    "poly_features_1d",
    "one column per power, transposed",
    "you build the matrix with one row per power, shape (degree, N); the samples must be the rows, "
    "(N, degree)",
    section="Polynomial features: a first look at over-fitting",
)
def poly_features_transposed(x, degree):
    return x[None, :] ** np.arange(1, degree + 1)[:, None]


@mistake(
    "poly_features_1d",
    "multiples instead of powers",
    "you multiply x by 1, 2, ..., degree instead of raising it to those powers: every column is a "
    "multiple of x, so the model stays a straight line",
    section="Polynomial features: a first look at over-fitting",
)
def poly_features_multiples(x, degree):
    return x[:, None] * np.arange(1, degree + 1)


@mistake(
    "poly_features_1d",
    "np.vander's columns",
    "np.vander(x, degree) puts the highest power first and ends with the constant column: "
    "x^(degree-1), ..., x, 1; the columns asked for are x, x^2, ..., x^degree, in that order",
    section="Polynomial features: a first look at over-fitting",
)
def poly_features_vander(x, degree):
    return np.vander(x, degree)


# ----------------------------------------------------------------------------- found by the audit
# Wrong implementations a reviewer wrote as unseen submissions (tests/test_unseen_mistakes.py) whose
# feedback did not name them: named here, after the catalogue's own ones.


@mistake(
    "mse",
    "pred - target**2: the square binds first",
    "** is evaluated before -, so pred - target**2 squares only the target; put the "
    "difference in parentheses, (pred - target)**2",
    section="The model and the loss",
)
def mse_precedence(pred, target):
    return np.mean(pred - target**2)


@mistake(
    "normal_equations",
    "a small ridge term added to X^T X",
    "adding eps * I to X^T X 'for stability' solves a ridge problem, not least squares, and "
    "moves every weight; solve (X^T X) w = X^T y as it is (np.linalg.solve or lstsq)",
    section="The normal equations",
)
def ne_small_ridge(X, y):
    return np.linalg.solve(X.T @ X + 1e-3 * np.eye(X.shape[1]), X.T @ y)


@mistake(
    "linear_gd_step",
    "the gradient of the summed loss, not the mean",
    "J is the mean (1/N) ||Xw - y||^2, so its gradient is (2/N) X^T (Xw - y); without the 1/N "
    "every step is N times too long",
    section="The gradient, in matrix form",
)
def gd_sum_not_mean(w, X, y, lr):
    return w - lr * 2.0 * X.T @ (X @ w - y)


@mistake(
    "normal_equations",
    "centred X and y",
    "centring the columns removes what the intercept column carries and changes the weights; "
    "solve the normal equations on X as given",
    section="The normal equations",
)
def ne_centres_data(X, y):
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    return np.linalg.lstsq(Xc, yc, rcond=None)[0]


@mistake(
    "standardize",
    "std + 1e-8 in the denominator",
    "a small epsilon keeps a constant column finite, but divides by 1e-8: the test set's "
    "values of that column explode; a column with std 0 is left unscaled (divide by 1)",
    section="Feature scaling",
)
def std_with_eps(X_train, X_test):
    mu, sd = X_train.mean(axis=0), X_train.std(axis=0)
    return (X_train - mu) / (sd + 1e-8), (X_test - mu) / (sd + 1e-8)
