// GradientDescentExplorer (chapter 2) in the static book. Gradient descent on J(theta) =
// (1/N) ||A theta - y||^2 costs microseconds for two parameters, so it runs here for any lr
// (cached per lr and scaling; the steps slider draws a prefix of the longest run), with the same
// stopping rule as nnlib.linear.gradient_descent. The contours do not depend on lr: they come
// as a matplotlib image, and the path is drawn on top through the axes' data-to-pixel mapping.
// data (GradientDescentExplorer.static_data): y, theta0, max_steps, size, views ("false" /
// "true" for standardise -> A, image, surface {rect, xlim, ylim}, loss_rect, path_color and
// the bowl's constants S, c, eigenvalues, theta_star, j_star, lr_max, kappa, L, mean_y2).
(window.nnExplorer = window.nnExplorer || { renderers: {} }).renderers["gradient_descent"] = {
  cache: new Map(),

  /** The whole run for max_steps steps: path (T+1) x 2 and losses (T+1), T <= max_steps. */
  run(data, lr, standardise) {
    const key = `${lr}|${standardise}`;
    if (this.cache.has(key)) return this.cache.get(key);
    const A = data.views[String(standardise)].A;
    const y = data.y;
    const n = y.length;
    const lossAndGrad = (theta) => {
      let loss = 0;
      const grad = [0, 0];
      for (let i = 0; i < n; i++) {
        const r = A[i][0] * theta[0] + A[i][1] * theta[1] - y[i];
        loss += r * r;
        grad[0] += A[i][0] * r;
        grad[1] += A[i][1] * r;
      }
      return [loss / n, [(2 / n) * grad[0], (2 / n) * grad[1]]];
    };
    let theta = data.theta0.slice();
    const path = [];
    const losses = [];
    let stopped = false;
    for (let t = 0; t < data.max_steps; t++) {
      const [loss, grad] = lossAndGrad(theta);
      path.push(theta);
      losses.push(loss);
      // the loss exploded (lr > 2/L) or the gradient vanished: stop, as gradient_descent does
      if (!Number.isFinite(loss) || loss > 1e10 * Math.max(losses[0], 1e-300) || Math.max(Math.abs(grad[0]), Math.abs(grad[1])) <= 0) {
        stopped = true;
        break;
      }
      theta = [theta[0] - lr * grad[0], theta[1] - lr * grad[1]];
    }
    if (!stopped) {
      path.push(theta);
      losses.push(lossAndGrad(theta)[0]);
    }
    const run = { path, losses, stopped };
    if (this.cache.size > 500) this.cache.clear();
    this.cache.set(key, run);
    return run;
  },

  compute(data, values) {
    const lr = Number(values.lr);
    const steps = Number(values.steps);
    const standardise = Boolean(values.standardise);
    const view = data.views[String(standardise)];
    const full = this.run(data, lr, standardise);
    // a prefix: a run stopped early is the same whatever the number of steps asked for
    const k = Math.min(steps + 1, full.losses.length);
    const path = full.path.slice(0, k);
    const losses = full.losses.slice(0, k);
    const last = path[path.length - 1];
    return {
      lr,
      steps,
      standardise,
      S: view.S,
      c: view.c,
      mean_y2: view.mean_y2,
      eigenvalues: view.eigenvalues,
      L: view.L,
      lr_max: view.lr_max,
      kappa: view.kappa,
      theta_star: view.theta_star,
      j_star: view.j_star,
      path,
      losses,
      diverged: losses[losses.length - 1] > losses[0],
      distance: Math.hypot(last[0] - view.theta_star[0], last[1] - view.theta_star[1]),
    };
  },

  describe(data, values, s) {
    const f = window.nnExplorer.plot.format;
    const verdict = s.diverged ? "diverges" : "converges";
    return (
      `Gradient descent on the MSE of a line (${s.standardise ? "standardised" : "raw"} x) with lr = ${f(s.lr, ".3g")}: ` +
      `${verdict} (2/L = ${f(s.lr_max, ".3g")}, condition number ${f(s.kappa, ".3g")}); ` +
      `after ${s.losses.length - 1} of ${s.steps} steps the loss is ${f(s.losses[s.losses.length - 1], ".4g")} ` +
      `(minimum ${f(s.j_star, ".4g")}), ${f(s.distance, ".3g")} from the minimum.`
    );
  },

  render(target, data, values) {
    const P = window.nnExplorer.plot;
    const s = this.compute(data, values);
    const alt = this.describe(data, values, s);
    const view = data.views[String(s.standardise)];
    const svg = P.figure(target, data.size, alt, data.min_font);
    P.background(svg, view.image);
    // the path on the contours: the same ".-" line (ms 3) with its end marked, in the image's axes
    const surface = P.axes(svg, view.surface.rect, { ...view.surface, frame: false });
    const css = view.path_color;
    const ws = s.path.map((p) => p[0]);
    const bs = s.path.map((p) => p[1]);
    P.line(surface, ws, bs, { color: css, width: 1.2, marker: "o", ms: 3 });
    P.markers(surface, [ws[ws.length - 1]], [bs[bs.length - 1]], { marker: "o", ms: 6, color: css });

    const excess = s.losses.map((l) => Math.max(l - s.j_star, 1e-16));
    const steps = excess.map((_, t) => t);
    const ax = P.axes(svg, view.loss_rect, {
      xlim: P.autolim(steps), ylim: P.autolim(excess, true), ylog: true, titleSize: 10,
      title: `lr = ${P.format(s.lr, ".3g")}, 2/L = ${P.format(s.lr_max, ".3g")}: ${s.diverged ? "diverges" : "converges"}`,
      titleColor: s.diverged ? "#b22222" : "black", xlabel: "step", ylabel: "J(\u03b8\u209c) \u2212 J*", ylabelPad: 44,
    });
    P.line(ax, steps, excess, { color: "#1f77b4", marker: "o", ms: 3 });
    return alt;
  },
};
