// MapExplorer (chapter 3) in the static book: ML vs MAP slopes for the first n of the shipped
// points (the "N samples" slider selects a prefix), from the closed-form Gaussian posterior:
//   w_ML = Sxy / Sxx,  w_MAP = mu0 + sum x (y - mu0 x) / (Sxx + lam),  lam = sigma^2 / tau^2,
//   sd(w | y) = sigma / sqrt(Sxx + lam),  weight on ML = Sxx / (Sxx + lam).
// data (MapExplorer.static_data): x, y (n_max points), sigma, w_true, size, rects.
(window.nnExplorer = window.nnExplorer || { renderers: {} }).renderers["map"] = {
  compute(data, values) {
    const n = Number(values.n);
    const tau = Number(values.prior_std);
    const mu0 = Number(values.prior_mean);
    const sigma = data.sigma;
    let sxx = 0;
    let sxy = 0;
    let shifted = 0; // sum x (y - mu0 x): ridge regression on the targets shifted by the prior mean
    for (let i = 0; i < n; i++) {
      sxx += data.x[i] * data.x[i];
      sxy += data.x[i] * data.y[i];
      shifted += data.x[i] * (data.y[i] - mu0 * data.x[i]);
    }
    const lam = (sigma * sigma) / (tau * tau);
    return {
      w_ml: sxy / sxx,
      w_map: mu0 + shifted / (sxx + lam),
      lam,
      post_std: sigma / Math.sqrt(sxx + lam),
      like_std: sigma / Math.sqrt(sxx),
      shrink: sxx / (sxx + lam),
      prior_std: tau,
      n,
      prior_mean: mu0,
    };
  },

  describe(data, values, s) {
    const f = window.nnExplorer.plot.format;
    return (
      `Prior N(${f(s.prior_mean, ".2f")}, ${f(s.prior_std, ".3g")}^2) and ${s.n} samples: ` +
      `ML slope ${f(s.w_ml, ".2f")}, MAP slope ${f(s.w_map, ".2f")} ` +
      `(weight on ML ${f(s.shrink, ".2f")}, lambda ${f(s.lam, ".3g")}), ` +
      `posterior sd ${f(s.post_std, ".3g")}; true slope ${f(data.w_true, ".2f")}.`
    );
  },

  render(target, data, values) {
    const P = window.nnExplorer.plot;
    const s = this.compute(data, values);
    const alt = this.describe(data, values, s);
    const svg = P.figure(target, data.size, alt, data.min_font);
    const gauss = (w, mean, sd) => Math.exp(-0.5 * ((w - mean) / sd) ** 2) / (sd * Math.sqrt(2 * Math.PI));

    const ws = P.linspace(-4, 6, 600);
    const top = 1.1 * Math.max(1, gauss(s.w_map, s.w_map, s.post_std));
    const axD = P.axes(svg, data.rects[0], {
      xlim: P.autolim(ws), ylim: [0, top], titleSize: 10,
      title: `\u03bb = \u03c3\u00b2/\u03c4\u00b2 = ${P.format(s.lam, ".3g")}, weight on ML = ${P.format(s.shrink, ".2f")}`,
      xlabel: "slope w", ylabel: "density",
    });
    const curves = [
      ["likelihood", s.w_ml, s.like_std, "#1f77b4", "--"],
      ["prior", s.prior_mean, s.prior_std, "#2ca02c", ":"],
      ["posterior", s.w_map, s.post_std, "#d62728", "-"],
    ];
    for (const [, mean, sd, color, ls] of curves) P.line(axD, ws, ws.map((w) => gauss(w, mean, sd)), { color, ls });
    P.line(axD, [data.w_true, data.w_true], [0, top], { color: "black", width: 0.8 });
    P.legend(axD, [
      ...curves.map(([label, , , color, ls]) => ({ label, color, ls })),
      { label: "true w", color: "black", ls: "-", width: 0.8 },
    ], "upper left");

    const xs = data.x.slice(0, s.n);
    const axY = P.axes(svg, data.rects[1], {
      xlim: P.autolim([...xs, -1, 1]), ylim: [-5, 5], titleSize: 10,
      title: "fits through the origin", xlabel: "x", ylabel: "y", ylabelPad: 30,
    });
    P.markers(axY, xs, data.y.slice(0, s.n), { marker: "o", ms: Math.sqrt(12), color: "#666666" });
    const fits = [
      ["ML", s.w_ml, "#1f77b4", "--"],
      ["MAP", s.w_map, "#d62728", "-"],
      ["true", data.w_true, "black", ":"],
    ];
    for (const [, w, color, ls] of fits) P.line(axY, [-1, 1], [-w, w], { color, ls });
    P.legend(axY, [
      { label: `data (N=${s.n})`, marker: "o", color: "#666666", ms: Math.sqrt(12) },
      ...fits.map(([label, w, color, ls]) => ({ label: `${label}: w = ${P.format(w, ".2f")}`, color, ls })),
    ], "upper left");
    return alt;
  },
};
