// OptimizerRace (chapter 9) in the static book. SGD, momentum, RMSProp and Adam on a 2-D surface
// cost microseconds per step, so they run here for any learning rate (4 x 81 x 81 states: too
// many to render), with nnlib.optim's update rules and defaults; each run is made once for the
// longest race and the steps slider draws a prefix. The contours are a matplotlib image per
// surface, the paths are drawn on top through the axes' data-to-pixel mapping.
// data (OptimizerRace.static_data): max_steps, size, racers ([label, rule, which lr]), and
// surfaces (name -> start, bound, minimum, lr, lr_adaptive, image, axes {rect, xlim, ylim},
// loss_rect, colors (label -> hex)).
(window.nnExplorer = window.nnExplorer || { renderers: {} }).renderers["optimizer_race"] = {
  cache: new Map(),

  // the surfaces' losses and gradients, as nnlib.widgets.optimizers.SURFACES defines them
  surfaces: {
    rosenbrock: {
      f: (x, y) => (1 - x) ** 2 + 100 * (y - x * x) ** 2,
      grad: ([x, y]) => [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)],
    },
    saddle: { f: (x, y) => x * x - y * y, grad: ([x, y]) => [2 * x, -2 * y] },
    ravine: { f: (x, y) => 0.5 * x * x + 10 * y * y, grad: ([x, y]) => [x, 20 * y] },
    plateau: {
      f: (x, y) => 1 - Math.exp(-(x * x + y * y)),
      grad: ([x, y]) => {
        const e = Math.exp(-(x * x + y * y));
        return [2 * x * e, 2 * y * e];
      },
    },
  },

  // one step of each rule on a 2-vector, with nnlib.optim's class defaults (PyTorch's)
  rules: {
    sgd: (w, g, s, lr) => w.map((wi, i) => wi - lr * g[i]),
    momentum(w, g, s, lr) {
      s.v = (s.v || [0, 0]).map((vi, i) => 0.9 * vi + g[i]);
      return w.map((wi, i) => wi - lr * s.v[i]);
    },
    rmsprop(w, g, s, lr) {
      s.sq = (s.sq || [0, 0]).map((q, i) => 0.99 * q + (1.0 - 0.99) * g[i] * g[i]);
      return w.map((wi, i) => wi - (lr * g[i]) / (Math.sqrt(s.sq[i]) + 1e-8));
    },
    adam(w, g, s, lr) {
      s.t = (s.t || 0) + 1;
      s.m = (s.m || [0, 0]).map((m, i) => 0.9 * m + (1.0 - 0.9) * g[i]);
      s.v = (s.v || [0, 0]).map((v, i) => 0.999 * v + (1.0 - 0.999) * g[i] * g[i]);
      const bias1 = 1.0 - 0.9 ** s.t;
      const bias2 = 1.0 - 0.999 ** s.t;
      return w.map((wi, i) => wi - ((lr / bias1) * s.m[i]) / (Math.sqrt(s.v[i]) / Math.sqrt(bias2) + 1e-8));
    },
  },

  /** run_optimizer for max_steps: path (T+1) x 2, loss (T+1), left (stopped outside |w_i| < bound). */
  run(data, surfaceName, rule, lr) {
    const key = `${surfaceName}|${rule}|${lr}`;
    if (this.cache.has(key)) return this.cache.get(key);
    const spec = data.surfaces[surfaceName];
    const surface = this.surfaces[surfaceName];
    let w = spec.start.slice();
    const path = [w];
    const state = {};
    let left = false;
    for (let t = 0; t < data.max_steps; t++) {
      w = this.rules[rule](w, surface.grad(w), state, lr);
      path.push(w);
      if (!(Math.abs(w[0]) < spec.bound && Math.abs(w[1]) < spec.bound)) {
        left = true;
        break;
      }
    }
    const run = { path, loss: path.map(([x, y]) => surface.f(x, y)), left };
    if (this.cache.size > 2000) this.cache.clear();
    this.cache.set(key, run);
    return run;
  },

  /** Choosing a surface resets both learning rates to that surface's defaults (as live). */
  link(data, values, changed) {
    if (changed !== "surface") return {};
    const spec = data.surfaces[values.surface];
    return { lr: spec.lr, lr_adaptive: spec.lr_adaptive };
  },

  compute(data, values) {
    const rates = { lr: Number(values.lr), lr_adaptive: Number(values.lr_adaptive) };
    const steps = Number(values.steps);
    const runs = {};
    for (const [label, rule, rate] of data.racers) {
      const full = this.run(data, values.surface, rule, rates[rate]);
      const k = Math.min(steps + 1, full.path.length);
      runs[label] = { path: full.path.slice(0, k), loss: full.loss.slice(0, k), left: full.left && full.path.length <= steps + 1 };
    }
    return { surface: values.surface, runs, lr: rates.lr, lr_adaptive: rates.lr_adaptive, steps };
  },

  describe(data, values, s) {
    const f = window.nnExplorer.plot.format;
    const spec = data.surfaces[s.surface];
    const floor = spec.minimum ? this.surfaces[s.surface].f(...spec.minimum) : null;
    const parts = data.racers.map(([label]) => {
      const run = s.runs[label];
      const last = run.path[run.path.length - 1];
      const fate = run.left ? (floor === null ? ", escaped" : ", diverged") : "";
      return `${label} at (${f(last[0], ".2f")}, ${f(last[1], ".2f")}) with loss ${f(run.loss[run.loss.length - 1], ".3g")}${fate}`;
    });
    return (
      `${s.surface} surface, ${s.steps} steps, lr ${f(s.lr, ".1e")} for SGD and momentum, ` +
      `${f(s.lr_adaptive, ".1e")} for RMSProp and Adam: ${parts.join("; ")}.`
    );
  },

  render(target, data, values) {
    const P = window.nnExplorer.plot;
    const s = this.compute(data, values);
    const alt = this.describe(data, values, s);
    const spec = data.surfaces[s.surface];
    const svg = P.figure(target, data.size, alt, data.min_font);
    P.background(svg, spec.image);
    const paths = P.axes(svg, spec.axes.rect, { ...spec.axes, frame: false });
    for (const [label] of data.racers) {
      const path = s.runs[label].path;
      const xs = path.map((p) => p[0]);
      const ys = path.map((p) => p[1]);
      const color = spec.colors[label];
      P.line(paths, xs, ys, { color, width: 1.2, marker: "o", ms: 3 });
      P.markers(paths, [xs[xs.length - 1]], [ys[ys.length - 1]], { marker: "o", ms: 6, color });
    }
    const floor = spec.minimum ? this.surfaces[s.surface].f(...spec.minimum) : null;
    const curves = data.racers.map(([label]) => {
      const loss = s.runs[label].loss;
      return floor === null ? loss : loss.map((l) => Math.max(l - floor, 1e-12));
    });
    const longest = Math.max(...curves.map((c) => c.length));
    const steps = Array.from({ length: longest }, (_, t) => t);
    const ax = P.axes(svg, spec.loss_rect, {
      xlim: P.autolim(steps), ylim: P.autolim(curves.flat(), floor !== null), ylog: floor !== null, titleSize: 10 / 1.2,
      title: `lr ${P.format(s.lr, ".1e")} (SGD, momentum), ${P.format(s.lr_adaptive, ".1e")} (adaptive)`,
      xlabel: "step", ylabel: floor === null ? "loss" : "loss - minimum", ylabelPad: 44,
    });
    const suffix = floor === null ? " (escaped)" : " (diverged)";
    const entries = data.racers.map(([label], k) => {
      const color = spec.colors[label];
      P.line(ax, curves[k].map((_, t) => t), curves[k], { color });
      return { label: label + (s.runs[label].left ? suffix : ""), color, ls: "-" };
    });
    P.legend(ax, entries, "upper right", 10 / 1.44);
    return alt;
  },
};
