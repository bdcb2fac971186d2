// LogisticExplorer (chapter 4) in the static book: the "GD steps" slider selects a prefix of a
// gradient-descent run, so each (data set, learning rate) run is shipped once, whole, and drawn
// up to the chosen step. The left panel is the hyperplane renderer's (drawProbability).
// data (LogisticExplorer.static_data): sets (name -> {X, y}), lrs (the learning rates), runs
// (name -> one {w: (T+1) x 2, b, loss} per learning rate), and hyperplane.js's colours/layout.
(window.nnExplorer = window.nnExplorer || { renderers: {} }).renderers["logistic"] = {
  run(data, values) {
    const lr = Number(values.lr);
    const index = data.lrs.findIndex((v) => Math.abs(v - lr) <= 1e-12 * Math.abs(v));
    if (index < 0) throw new Error(`logistic renderer: no run for learning rate ${lr} (have ${data.lrs})`);
    return data.runs[values.data][index];
  },

  compute(data, values) {
    const run = this.run(data, values);
    const { X, y } = data.sets[values.data];
    const k = Number(values.step);
    const hyperplane = window.nnExplorer.renderers.hyperplane;
    return {
      data: values.data,
      step: k,
      losses: run.loss,
      norms: run.w.map(([a, b]) => Math.hypot(a, b)),
      ...hyperplane.summary(X, y, run.w[k], run.b[k]),
    };
  },

  describe(data, values, s) {
    const f = window.nnExplorer.plot.format;
    const norm = s.norms[s.step];
    return (
      `Gradient descent on the ${s.data} data, learning rate ${f(Number(values.lr), ".2g")}, after ${s.step} steps: ` +
      `w = (${f(s.w[0], ".2f")}, ${f(s.w[1], ".2f")}), b = ${f(s.b, ".2f")}, ||w|| = ${f(norm, ".2f")}; ` +
      `mean BCE ${f(s.loss, ".3f")} (from ${f(s.losses[0], ".3f")} at step 0), accuracy ${f(s.accuracy, ".2f")}.`
    );
  },

  render(target, data, values) {
    const P = window.nnExplorer.plot;
    const s = this.compute(data, values);
    const alt = this.describe(data, values, s);
    const svg = P.figure(target, data.size, alt, data.min_font);
    const { X, y } = data.sets[s.data];
    window.nnExplorer.renderers.hyperplane.drawProbability(svg, data.rects[0], data, X, y, s.w, s.b,
      `step ${s.step}: w = (${P.format(s.w[0], ".2f")}, ${P.format(s.w[1], ".2f")}), b = ${P.format(s.b, ".2f")}`);
    const steps = s.losses.map((_, t) => t);
    const xlim = P.autolim(steps);
    const ax = P.axes(svg, data.rects[1], {
      xlim, ylim: P.autolim(s.losses, true), ylog: true, titleSize: 9,
      title: `${s.data}: loss ${P.format(s.loss, ".3f")}, accuracy ${P.format(s.accuracy, ".2f")}`,
      xlabel: "gradient-descent step", ylabel: "training loss (log scale)", ylabelPad: 44,
    });
    const axN = P.axes(svg, data.rects[1], { xlim, ylim: P.autolim(s.norms), right: true, ylabel: "||w||", ylabelColor: "#d62728", ylabelPad: 48 });
    P.line(ax, steps, s.losses, { color: "#1f77b4" });
    P.markers(ax, [s.step], [s.loss], { marker: "o", ms: 6, color: "#1f77b4", edge: "black" });
    P.line(axN, steps, s.norms, { color: "#d62728", ls: "--" });
    P.legend(axN, [
      { label: "mean BCE", color: "#1f77b4", ls: "-" },
      { label: "||w||", color: "#d62728", ls: "--" },
    ], "center right", 8);
    return alt;
  },
};
