// HyperplaneExplorer (chapter 4) in the static book: p = sigmoid(w . x + b) over the shipped data,
// for any (w1, w2, b) (81^3 states: computed here, not rendered in advance).
// data (HyperplaneExplorer.static_data): X (N x 2), y (N), lim, bands (10 hex colours of the
// p = 0..1 shading), class_colors (left scatter), side_colors (right scatter), size, rects.
(window.nnExplorer = window.nnExplorer || { renderers: {} }).renderers["hyperplane"] = {
  /** Loss, accuracy and the boundary's distance for one (w, b) on X, y (Python's _summary). */
  summary(X, y, w, b) {
    const P = window.nnExplorer.plot;
    const z = X.map(([x1, x2]) => x1 * w[0] + x2 * w[1] + b);
    const n = z.length;
    let loss = 0; // mean of max(z, 0) - z y + log1p(exp(-|z|)): the stable BCE with logits
    let correct = 0;
    z.forEach((zi, i) => {
      loss += Math.max(zi, 0) - zi * y[i] + Math.log1p(Math.exp(-Math.abs(zi)));
      correct += (zi >= 0) === (y[i] === 1) ? 1 : 0;
    });
    const norm = Math.hypot(w[0], w[1]);
    return {
      w,
      b,
      p: z.map(P.sigmoid),
      loss: loss / n,
      accuracy: correct / n,
      distance: norm > 0 ? Math.abs(b) / norm : Infinity,
    };
  },

  compute(data, values) {
    const w = [Number(values.w1), Number(values.w2)];
    return this.summary(data.X, data.y, w, Number(values.b));
  },

  describe(data, values, s) {
    const f = window.nnExplorer.plot.format;
    const norm = Math.hypot(s.w[0], s.w[1]);
    return (
      `Logistic model with w = (${f(s.w[0], ".2f")}, ${f(s.w[1], ".2f")}), b = ${f(s.b, ".2f")}: ` +
      `the boundary p = 0.5 lies at distance ${f(s.distance, ".2f")} from the origin, ` +
      `||w|| = ${f(norm, ".2f")}; mean BCE ${f(s.loss, ".3f")}, accuracy ${f(s.accuracy, ".2f")} ` +
      `on ${data.y.length} points.`
    );
  },

  /**
   * The left panel shared with the logistic renderer: the p = sigmoid(w . x + b) shading in ten
   * bands (exact polygons, since p is constant along lines), the p = 0.1 / 0.9 contours, the
   * boundary with its normal vector w, and the two classes.
   */
  drawProbability(svg, rect, data, X, y, w, b, title) {
    const P = window.nnExplorer.plot;
    const lim = data.lim;
    const box = P.equalAspect(svg, rect, lim[1] - lim[0], lim[1] - lim[0]);
    const ax = P.axes(svg, box, { xlim: lim, ylim: lim, title, titleSize: 9, xlabel: "x\u2081", ylabel: "x\u2082", ylabelPad: 30 });
    const square = [[lim[0], lim[0]], [lim[1], lim[0]], [lim[1], lim[1]], [lim[0], lim[1]]];
    const logit = (p) => Math.log(p / (1 - p));
    for (let k = 0; k < 10; k++) {
      let band = square;
      if (k > 0) band = P.clipHalfPlane(band, w[0], w[1], b - logit(k / 10)); // z >= logit(k/10)
      if (k < 9) band = P.clipHalfPlane(band, -w[0], -w[1], logit((k + 1) / 10) - b); // z <= logit((k+1)/10)
      if (band.length > 2) P.polygon(ax, band.map((q) => q[0]), band.map((q) => q[1]), { fill: data.bands[k], opacity: 0.35 });
    }
    const corners = square.map(([x1, x2]) => P.sigmoid(w[0] * x1 + w[1] * x2 + b));
    if (Math.max(...corners) - Math.min(...corners) > 0.8) {
      for (const p of [0.1, 0.9]) {
        const seg = P.lineInBox(w[0], w[1], b - logit(p), lim, lim);
        if (!seg) continue;
        P.line(ax, [seg[0][0], seg[1][0]], [seg[0][1], seg[1][1]], { color: "black", width: 0.7, ls: ":" });
        const at = (t) => seg[0][t] + 0.85 * (seg[1][t] - seg[0][t]); // near one end, like clabel
        P.text(ax, at(0), at(1), `p=${p}`, { size: 7 });
      }
    }
    const seg = P.lineInBox(w[0], w[1], b, lim, lim);
    if (seg) {
      P.line(ax, [seg[0][0], seg[1][0]], [seg[0][1], seg[1][1]], { color: "black", width: 1.8 });
      const norm = Math.hypot(w[0], w[1]);
      const foot = [(-b * w[0]) / norm ** 2, (-b * w[1]) / norm ** 2];
      const inside = (v) => lim[0] <= v && v <= lim[1];
      if (inside(foot[0]) && inside(foot[1])) {
        const len = 0.15 * (lim[1] - lim[0]);
        const tip = [foot[0] + (w[0] / norm) * len, foot[1] + (w[1] / norm) * len];
        P.line(ax, [foot[0], tip[0]], [foot[1], tip[1]], { color: "black", width: 1.5 });
        P.markers(ax, [tip[0]], [tip[1]], { marker: "o", ms: 3, color: "black" });
        P.text(ax, foot[0] + 1.15 * (tip[0] - foot[0]), foot[1] + 1.15 * (tip[1] - foot[1]), "w", { size: 10 });
      }
    }
    [0, 1].forEach((k) => {
      const sel = X.filter((_, i) => y[i] === k);
      P.markers(ax, sel.map((q) => q[0]), sel.map((q) => q[1]), {
        marker: k ? "s" : "o", ms: 4, color: data.class_colors[k], edge: "black", edgeWidth: 0.4,
      });
    });
    P.legend(ax, [
      { label: "p = 0.5", color: "black", ls: "-", width: 1.8 },
      { label: "class 0", marker: "o", color: data.class_colors[0], edge: "black", ms: 4 },
      { label: "class 1", marker: "s", color: data.class_colors[1], edge: "black", ms: 4 },
    ], "lower right");
    return ax;
  },

  render(target, data, values) {
    const P = window.nnExplorer.plot;
    const s = this.compute(data, values);
    const alt = this.describe(data, values, s);
    const svg = P.figure(target, data.size, alt, data.min_font);
    this.drawProbability(svg, data.rects[0], data, data.X, data.y, s.w, s.b,
      `mean BCE ${P.format(s.loss, ".3f")}, accuracy ${P.format(s.accuracy, ".2f")}`);
    // the same model seen from the side: p against the signed distance to the line
    const norm = Math.hypot(s.w[0], s.w[1]);
    const d = norm > 0 ? data.X.map(([x1, x2]) => (x1 * s.w[0] + x2 * s.w[1] + s.b) / norm) : [];
    const lo = Math.min(-4, ...d);
    const hi = Math.max(4, ...d);
    const pad = 0.05 * (hi - lo);
    const ax = P.axes(svg, data.rects[1], {
      xlim: [lo - pad, hi + pad], ylim: [-0.1, 1.1], titleSize: 9,
      title: `||w|| = ${P.format(norm, ".2f")}: steepness of the S`,
      xlabel: "signed distance d to the line", ylabel: "p(class 1)", ylabelPad: 34,
    });
    const ss = P.linspace(-4, 4, 200);
    P.line(ax, [0, 0], [-0.1, 1.1], { color: "grey", width: 0.8, ls: "--" });
    P.line(ax, ss, ss.map((t) => P.sigmoid(norm * t)), { color: "black" });
    P.markers(ax, d, d.map((_, i) => data.y[i] + 0.03 * Math.sign(data.y[i] - 0.5)), {
      marker: "o", ms: Math.sqrt(10), fill: d.map((_, i) => data.side_colors[data.y[i]]), edge: "black", edgeWidth: 0.3,
    });
    P.legend(ax, [{ label: "p = \u03c3(\u2016w\u2016 d)", color: "black", ls: "-" }], "upper left", 8);
    return alt;
  },
};
