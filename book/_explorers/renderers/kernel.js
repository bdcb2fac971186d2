// KernelExplorer (chapter 14) in the static book: the convolution of a digit with a 3x3 kernel,
// with stride and zero padding, computed here from the shipped digits (the state space, 41^9
// kernels x 100 digits x 9 stride/padding pairs, is far too large to render in advance).
// data (KernelExplorer.static_data): digits (100 x 64 intensities 0..16, row-major), labels,
// presets (name -> 9 weights), gray / diverging (256 hex colours), size, rects (the 3 axes).
(window.nnExplorer = window.nnExplorer || { renderers: {} }).renderers["kernel"] = {
  /** The nine weights k00..k22 as a 3x3 array (the sliders' names, row-major). */
  kernelOf(values) {
    return [0, 1, 2].map((i) => [0, 1, 2].map((j) => Number(values[`k${i}${j}`])));
  },

  /** Choosing a preset writes its weights into the sliders; moving a slider selects "custom". */
  link(data, values, changed) {
    if (changed === "preset") {
      const weights = data.presets[values.preset];
      if (!weights) return {};
      const updates = {};
      weights.forEach((w, k) => (updates[`k${Math.floor(k / 3)}${k % 3}`] = w));
      return updates;
    }
    if (/^k\d\d$/.test(changed) && values.preset !== "custom") return { preset: "custom" };
    return {};
  },

  // out[i][j] = sum_{p,q} xp[i*s + p][j*s + q] * k[p][q], xp = the digit zero-padded by `pad`
  compute(data, values) {
    const digit = Number(values.digit);
    const stride = Number(values.stride);
    const pad = Number(values.pad);
    const kernel = this.kernelOf(values);
    const raw = data.digits[digit];
    const n = 8 + 2 * pad;
    const padded = Array.from({ length: n }, (_, r) =>
      Array.from({ length: n }, (_, c) => {
        const i = r - pad;
        const j = c - pad;
        return i >= 0 && i < 8 && j >= 0 && j < 8 ? raw[8 * i + j] / 16 : 0;
      }),
    );
    const size = Math.floor((8 + 2 * pad - 3) / stride) + 1;
    const out = Array.from({ length: size }, (_, i) =>
      Array.from({ length: size }, (_, j) => {
        let sum = 0;
        for (let p = 0; p < 3; p++) for (let q = 0; q < 3; q++) sum += padded[i * stride + p][j * stride + q] * kernel[p][q];
        return sum;
      }),
    );
    return {
      label: data.labels[digit],
      padded,
      kernel,
      out,
      size,
      stride,
      pad,
      preset: values.preset,
      formula: `(8 + 2*${pad} - 3) // ${stride} + 1 = ${size}`,
    };
  },

  describe(data, values, s) {
    const f = window.nnExplorer.plot.format;
    const flat = s.out.flat();
    const n = 8 + 2 * s.pad;
    return (
      `Digit ${s.label} (#${values.digit}) padded by ${s.pad} to ${n}x${n}, ` +
      `kernel "${s.preset}" [${s.kernel.map((row) => row.map((v) => f(v, ".2g")).join(" ")).join("; ")}], ` +
      `stride ${s.stride}: feature map ${s.size}x${s.size} (${s.formula}), ` +
      `values from ${f(Math.min(...flat), ".2f")} to ${f(Math.max(...flat), ".2f")}.`
    );
  },

  render(target, data, values) {
    const P = window.nnExplorer.plot;
    const s = this.compute(data, values);
    const alt = this.describe(data, values, s);
    const svg = P.figure(target, data.size, alt, data.min_font);
    const defs = P.el(svg, "defs");
    const hatch = P.el(defs, "pattern", { id: "nn-kernel-hatch", width: 8.5, height: 8.5, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" });
    P.el(hatch, "line", { x1: 0, y1: 0, x2: 0, y2: 8.5, stroke: "#a8a8a8", "stroke-width": 1.2 });

    // an image panel: one square per cell, in the colour of its value
    const panel = (rect, grid, colours, lo, hi, title) => {
      const rows = grid.length;
      const box = P.equalAspect(svg, rect, rows, rows);
      const ax = P.axes(svg, box, { xlim: [-0.5, rows - 0.5], ylim: [rows - 0.5, -0.5], ticks: false, title, titleSize: 9 });
      grid.forEach((row, r) =>
        row.forEach((v, c) => {
          const x = ax.px(c - 0.5);
          const y = ax.py(r - 0.5);
          P.el(ax.g, "rect", { x, y, width: ax.px(c + 0.5) - x + 0.3, height: ax.py(r + 0.5) - y + 0.3, fill: P.lut(colours, v, lo, hi) });
        }),
      );
      return ax;
    };
    const n = s.padded.length;
    const axIn = panel(data.rects[0], s.padded, data.gray, 0, 1, `input: digit ${s.label}, padded to ${n}x${n}`);
    const cell = (ax, r, c, w, attrs) => {
      const x = ax.px(c - 0.5);
      const y = ax.py(r - 0.5);
      P.el(ax.g, "rect", { x, y, width: ax.px(c - 0.5 + w) - x, height: ax.py(r - 0.5 + w) - y, fill: "none", ...attrs });
    };
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        const inside = r >= s.pad && r < s.pad + 8 && c >= s.pad && c < s.pad + 8;
        if (!inside) cell(axIn, r, c, 1, { fill: "url(#nn-kernel-hatch)" });
      }
    }
    cell(axIn, 0, 0, 3, { stroke: "#d62728", "stroke-width": 2 * P.PT });
    if (s.stride + 3 <= n) cell(axIn, 0, s.stride, 3, { stroke: "#ff7f0e", "stroke-width": 1.5 * P.PT, "stroke-dasharray": "8,3.5" });

    const kmax = Math.max(...s.kernel.flat().map(Math.abs), 1e-12);
    const axK = panel(data.rects[1], s.kernel, data.diverging, -kmax, kmax, s.preset);
    s.kernel.forEach((row, r) =>
      row.forEach((v, c) =>
        P.text(axK, c, r, P.format(v, ".2g"), { size: 9, color: Math.abs(v) > 0.6 * kmax ? "white" : "black" }),
      ),
    );
    const omax = Math.max(...s.out.flat().map(Math.abs), 1e-12);
    panel(data.rects[2], s.out, data.diverging, -omax, omax, `feature map ${s.size}x${s.size}\n${s.formula}`);
    return alt;
  },
};
