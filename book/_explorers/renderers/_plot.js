// Shared drawing kit of the scripted explorers: a tiny, dependency-free SVG "matplotlib".
//
// Not a renderer: it adds `window.nnExplorer.plot`, which the renderers look up when they draw
// (so the order in which the page loads the files does not matter). Figures use matplotlib's
// geometry: a figure of `size` pixels (figsize x 100 dpi), axes placed by figure fractions
// [left, bottom, width, height] measured from the bottom-left corner, as `ax.get_position()`.
(function () {
  "use strict";
  const ns = (window.nnExplorer = window.nnExplorer || { renderers: {} });
  ns.renderers = ns.renderers || {};
  const SVG = "http://www.w3.org/2000/svg";
  const FONT = "DejaVu Sans, Bitstream Vera Sans, Arial, sans-serif";
  const PT = 100 / 72; // matplotlib font sizes are points; the figure has 100 pixels per inch
  let clipCount = 0;

  // ---- Python-style number formatting (the alt text must equal Python's describe()) --------
  function expSuffix(str) {
    // JavaScript writes 1.5e-3, Python 1.5e-03: at least two exponent digits, always a sign
    return str.replace(/e([+-])(\d)$/, "e$10$2");
  }
  function stripZeros(str) {
    return str.includes(".") ? str.replace(/\.?0+$/, "") : str;
  }
  // JavaScript's toFixed / toExponential round exact ties (0.125 to 2 places) away from zero,
  // Python to even. A tie shows in the exact decimal expansion as a 5 followed only by zeros.
  function halfEven(rounded, long, keep) {
    if (!/^50*$/.test(long.slice(keep))) return rounded; // not a tie: JavaScript rounded correctly
    const truncated = long.slice(0, keep).replace(/\.$/, "");
    return Number(truncated.slice(-1)) % 2 === 0 ? truncated : rounded;
  }
  function toFixedEven(value, digits) {
    const long = value.toFixed(Math.min(100, digits + 40));
    return halfEven(value.toFixed(digits), long, long.indexOf(".") + 1 + digits);
  }
  function toExponentialEven(value, digits) {
    const long = value.toExponential(Math.min(100, digits + 40));
    const mantissa = long.split("e")[0];
    const keep = mantissa.indexOf(".") + 1 + digits;
    const rest = mantissa.slice(keep);
    if (!/^50*$/.test(rest)) return value.toExponential(digits);
    const truncated = mantissa.slice(0, keep).replace(/\.$/, "");
    const lastDigit = Number(truncated.replace(/\D/g, "").slice(-1));
    return lastDigit % 2 === 0 ? truncated + "e" + long.split("e")[1] : value.toExponential(digits);
  }

  /** format(1234.5, ".3g") -> "1.23e+03", like Python's f"{v:.3g}" (also "f" and "e" specs). */
  function format(value, spec) {
    const m = /^\.(\d+)([fegs%])$/.exec(spec);
    if (!m) throw new Error(`nnExplorer.plot.format: unsupported spec ${spec}`);
    const digits = Number(m[1]);
    const kind = m[2];
    if (!Number.isFinite(value)) return Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
    if (kind === "f") return toFixedEven(value, digits);
    if (kind === "%") return toFixedEven(100 * value, digits) + "%";
    if (kind === "e") return expSuffix(toExponentialEven(value, digits));
    const p = Math.max(digits, 1);
    if (value === 0) return Object.is(value, -0) ? "-0" : "0";
    const [mant, exp] = toExponentialEven(value, p - 1).split("e");
    const exponent = Number(exp);
    if (exponent < -4 || exponent >= p) return expSuffix(stripZeros(mant) + "e" + exp);
    return stripZeros(toFixedEven(value, p - 1 - exponent));
  }

  // ---- small numeric helpers ----------------------------------------------------------------
  const linspace = (a, b, n) => Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
  const sigmoid = (z) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

  /** Ticks at 1, 2, 2.5, 5 x 10^k (matplotlib's MaxNLocator steps), at most about `n` of them. */
  function niceTicks(lo, hi, n = 6) {
    const span = hi - lo;
    if (!(span > 0)) return [lo];
    const raw = span / n;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((s) => s * mag).find((s) => s >= raw);
    const ticks = [];
    for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) {
      ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
    }
    return ticks;
  }
  function tickLabel(t, ticks) {
    const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : 1;
    const scale = Math.max(...ticks.map(Math.abs));
    if (scale >= 1e5 || (scale > 0 && scale < 1e-3)) return format(t, ".1e");
    let decimals = 0; // as few as show the step exactly, the same for every label (0.0, 0.5, 1.0)
    while (decimals < 8 && Math.abs(step * 10 ** decimals - Math.round(step * 10 ** decimals)) > 1e-6) decimals++;
    return (t < 0 ? "\u2212" : "") + Math.abs(t).toFixed(decimals);
  }

  // ---- SVG elements ---------------------------------------------------------------------------
  function el(parent, tag, attrs = {}, text) {
    const node = document.createElementNS(SVG, tag);
    const svg = parent && (parent.ownerSVGElement || parent);
    if (attrs["font-size"] !== undefined && svg && svg.minFont) {
      attrs = { ...attrs, "font-size": Math.max(attrs["font-size"], svg.minFont) };
    }
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }
  /** A font size of `pt` points in the figure's pixels, at least the figure's minimum. */
  const fontSize = (svg, pt) => Math.max(pt * PT, svg.minFont || 0);
  const pts = (xs, ys) => xs.map((x, i) => `${x.toFixed(2)},${ys[i].toFixed(2)}`).join(" ");

  /**
   * A figure: an <svg> of `size` = [width, height] pixels that scales to its container.
   * `minFont` (pixels of the figure; the phone edition's data sets it, nnlib/widgets/static.py):
   * no text smaller, so that text stays legible when a phone shows the figure 358 px wide.
   */
  function figure(target, size, label, minFont = 0) {
    target.textContent = "";
    const svg = el(target, "svg", {
      viewBox: `0 0 ${size[0]} ${size[1]}`,
      width: "100%",
      role: "img",
      "aria-label": label || "",
      "font-family": FONT,
      style: "max-width:" + size[0] + "px;height:auto;display:block;background:white",
    });
    svg.size = size;
    svg.minFont = minFont || 0;
    return svg;
  }

  /**
   * A background image (a matplotlib rendering of the costly fixed parts) filling the figure.
   * The PNG data URL becomes a blob: URL once, so the browser decodes it once and reuses it on
   * every redraw (a data URL in a new <image> is decoded again each time).
   */
  const blobs = new Map();
  function background(svg, dataUrl) {
    if (!blobs.has(dataUrl)) {
      const [head, body] = dataUrl.split(",");
      const bytes = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
      blobs.set(dataUrl, URL.createObjectURL(new Blob([bytes], { type: head.slice(5).split(";")[0] })));
    }
    el(svg, "image", { href: blobs.get(dataUrl), x: 0, y: 0, width: svg.size[0], height: svg.size[1] });
  }

  /** Shrink a box [l, b, w, h] (figure fractions) to a given data aspect, centred (`set_aspect`). */
  function equalAspect(svg, rect, xspan, yspan) {
    const [W, H] = svg.size;
    const [l, b, w, h] = rect;
    const scale = Math.min((w * W) / xspan, (h * H) / yspan);
    const nw = (scale * xspan) / W;
    const nh = (scale * yspan) / H;
    return [l + (w - nw) / 2, b + (h - nh) / 2, nw, nh];
  }

  /**
   * Axes in `rect` (figure fractions from the bottom left, as matplotlib's get_position()).
   * opts: xlim, ylim, xlog, ylog, title, titleSize, titleColor, xlabel, ylabel, ticks (false to
   * hide), frame (false to draw no spines or ticks: for overlays on a background image).
   */
  function axes(svg, rect, opts) {
    const [W, H] = svg.size;
    const x0 = rect[0] * W;
    const x1 = (rect[0] + rect[2]) * W;
    const y0 = (1 - rect[1]) * H; // pixel y of the bottom edge
    const y1 = (1 - rect[1] - rect[3]) * H;
    const tx = opts.xlog ? Math.log10 : (v) => v;
    const ty = opts.ylog ? Math.log10 : (v) => v;
    const [xa, xb] = opts.xlim.map(tx);
    const [ya, yb] = opts.ylim.map(ty);
    const ax = {
      svg,
      rect,
      box: [x0, y1, x1 - x0, y0 - y1],
      px: (v) => x0 + ((tx(v) - xa) / (xb - xa)) * (x1 - x0),
      py: (v) => y0 - ((ty(v) - ya) / (yb - ya)) * (y0 - y1),
    };
    const id = "nnclip" + ++clipCount;
    const clip = el(el(svg, "defs"), "clipPath", { id });
    el(clip, "rect", { x: x0, y: y1, width: x1 - x0, height: y0 - y1 });
    ax.g = el(svg, "g", { "clip-path": `url(#${id})` });
    ax.top = el(svg, "g"); // legends and labels above the data, not clipped
    if (opts.frame !== false) drawFrame(ax, opts);
    return ax;
  }

  /** Log-axis ticks as exponents k of 10^k; within a single decade, 1..9 x 10^k as plain values. */
  function decadeTicks(lo, hi) {
    const ticks = [];
    for (let k = Math.ceil(Math.log10(lo) - 1e-9); k <= Math.floor(Math.log10(hi) + 1e-9); k++) ticks.push(k);
    // too many decades: label every 2nd, 3rd... as matplotlib's LogLocator does
    const every = Math.ceil(ticks.length / 7);
    return ticks.filter((k) => k % every === 0);
  }
  function minorTicks(lo, hi) {
    const ticks = [];
    for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
      for (const m of [1, 2, 3, 4, 5, 6, 7, 8, 9]) {
        const t = m * 10 ** k;
        if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) ticks.push(t);
      }
    }
    return ticks.length > 6 ? ticks.filter((t) => [1, 2, 5].includes(Math.round(t / 10 ** Math.floor(Math.log10(t) + 1e-9)))) : ticks;
  }
  function powerLabel(parent, x, y, k, anchor, baseline) {
    const text = el(parent, "text", { x, y, "font-size": 10 * PT, "text-anchor": anchor, "dominant-baseline": baseline }, "10");
    el(text, "tspan", { dy: -4, "font-size": 7 * PT }, k < 0 ? "\u2212" + -k : String(k));
  }

  function drawFrame(ax, opts) {
    const [x, y, w, h] = ax.box;
    const g = el(ax.svg, "g", { fill: "black" });
    if (opts.ticks !== false) {
      // as many ticks as fit: labels 3 font sizes apart along x, 2 along y (MaxNLocator "auto")
      const nx = Math.max(2, Math.min(9, Math.floor(w / (30 * PT))));
      const ny = Math.max(2, Math.min(9, Math.floor(h / (20 * PT))));
      const xt = opts.xlog ? decadeTicks(...opts.xlim) : niceTicks(...opts.xlim, nx);
      for (const t of xt) {
        const X = opts.xlog ? ax.px(Math.pow(10, t)) : ax.px(t);
        el(g, "line", { x1: X, x2: X, y1: y + h, y2: y + h + 3.5, stroke: "black", "stroke-width": 0.8 });
        if (opts.xlog) powerLabel(g, X, y + h + 16, t, "middle", "auto");
        else el(g, "text", { x: X, y: y + h + 17, "font-size": 10 * PT, "text-anchor": "middle" }, tickLabel(t, xt));
      }
      // y ticks: on the left, or on the right for a twin axis (opts.right)
      const side = opts.right ? x + w : x;
      const out = opts.right ? 1 : -1;
      const anchor = opts.right ? "start" : "end";
      const tick = (Y, label) => {
        el(g, "line", { x1: side, x2: side + out * 3.5, y1: Y, y2: Y, stroke: "black", "stroke-width": 0.8 });
        if (label !== undefined) el(g, "text", { x: side + out * 6, y: Y + 4.5, "font-size": 10 * PT, "text-anchor": anchor, fill: opts.tickColor || "black" }, label);
      };
      if (!opts.ylog) {
        const yt = niceTicks(...opts.ylim, ny);
        for (const t of yt) tick(ax.py(t), tickLabel(t, yt));
      } else if (decadeTicks(...opts.ylim).length >= 2) {
        for (const k of decadeTicks(...opts.ylim)) {
          const Y = ax.py(Math.pow(10, k));
          tick(Y);
          powerLabel(g, side + out * 6, Y + 5, k, anchor, "auto");
        }
      } else {
        for (const t of minorTicks(...opts.ylim)) tick(ax.py(t), format(t, ".1g"));
      }
    }
    el(g, "rect", { x, y, width: w, height: h, fill: "none", stroke: "black", "stroke-width": 0.8 });
    if (opts.title) {
      const lines = String(opts.title).split("\n");
      const size = fontSize(ax.svg, opts.titleSize || 12);
      lines.forEach((line, i) =>
        el(g, "text", {
          x: x + w / 2,
          y: y - 6 - (lines.length - 1 - i) * size * 1.2,
          "font-size": size,
          "text-anchor": "middle",
          fill: opts.titleColor || "black",
        }, line),
      );
    }
    if (opts.xlabel) el(g, "text", { x: x + w / 2, y: y + h + 32, "font-size": 10 * PT, "text-anchor": "middle" }, opts.xlabel);
    if (opts.ylabel) {
      const lx = opts.right ? x + w + (opts.ylabelPad || 38) : x - (opts.ylabelPad || 38);
      el(g, "text", { x: lx, y: y + h / 2, "font-size": 10 * PT, "text-anchor": "middle", fill: opts.ylabelColor || "black", transform: `rotate(-90 ${lx} ${y + h / 2})` }, opts.ylabel);
    }
  }

  // ---- marks ----------------------------------------------------------------------------------
  const DASH = { "-": null, "--": "5.5,2.4", ":": "1.2,2", "-.": "6.4,1.6,1,1.6" };
  /** A polyline through finite points (gaps at non-finite ones), like ax.plot(xs, ys, ls). */
  function line(ax, xs, ys, o = {}) {
    // each piece clipped to the axes (plus a margin), as matplotlib does: a diverging path's far
    // points (1e60) would otherwise reach the SVG as coordinates it cannot draw
    const [bx, by, bw, bh] = ax.box;
    const lo = [bx - 50, by - 50];
    const hi = [bx + bw + 50, by + bh + 50];
    const segments = [];
    let run = null;
    let prev = null;
    xs.forEach((x, i) => {
      const point = [ax.px(x), ax.py(ys[i])];
      if (!Number.isFinite(point[0]) || !Number.isFinite(point[1])) {
        run = null;
        prev = null;
        return;
      }
      if (prev) {
        const piece = clipSegment(prev, point, lo, hi);
        if (!piece) run = null;
        else {
          if (!run || run[run.length - 1] !== prev) {
            run = [piece[0]];
            segments.push(run);
          }
          run.push(piece[1] === point ? point : piece[1]);
          if (piece[1] !== point) run = null; // left the box: the next piece starts afresh
        }
      }
      prev = point;
    });
    const group = o.layer || ax.g;
    for (const seg of segments) {
      if (seg.length < 2) continue;
      el(group, "polyline", {
        points: seg.map(([X, Y]) => `${X.toFixed(2)},${Y.toFixed(2)}`).join(" "),
        fill: "none",
        stroke: o.color || "#1f77b4",
        "stroke-width": (o.width || 1.5) * PT,
        "stroke-dasharray": DASH[o.ls || "-"] && DASH[o.ls || "-"].split(",").map((d) => d * (o.width || 1.5) * PT).join(","),
        "stroke-linejoin": "round",
        "stroke-linecap": o.ls && o.ls !== "-" ? "butt" : "round",
      });
    }
    if (o.marker) markers(ax, xs, ys, o);
  }

  /** The part of the segment p-q inside the box [lo, hi] (Liang-Barsky), or null; ends kept by identity. */
  function clipSegment(p, q, lo, hi) {
    let t0 = 0;
    let t1 = 1;
    const d = [q[0] - p[0], q[1] - p[1]];
    for (let k = 0; k < 2; k++) {
      for (const [num, den] of [[p[k] - lo[k], -d[k]], [hi[k] - p[k], d[k]]]) {
        if (den === 0) {
          if (num < 0) return null;
        } else {
          const t = num / den;
          if (den < 0) t0 = Math.max(t0, t);
          else t1 = Math.min(t1, t);
        }
      }
    }
    if (t0 > t1) return null;
    const at = (t) => [p[0] + t * d[0], p[1] + t * d[1]];
    return [t0 === 0 ? p : at(t0), t1 === 1 ? q : at(t1)];
  }

  /** Markers: "o" circle, "s" square, "^" triangle, "*" star; size `ms` in points like matplotlib. */
  function markers(ax, xs, ys, o = {}) {
    const group = o.layer || ax.g;
    const r = ((o.ms || 6) * PT) / 2;
    if ((o.marker || "o") === "o" && !o.edge && !Array.isArray(o.fill)) {
      // plain dots (a path's points): one <path> of zero-length round-capped segments, not one
      // element per point, so a 1000-step path redraws in a few milliseconds
      const d = [];
      const [bx, by, bw, bh] = ax.box;
      xs.forEach((x, i) => {
        const X = ax.px(x);
        const Y = ax.py(ys[i]);
        const near = X > bx - 50 && X < bx + bw + 50 && Y > by - 50 && Y < by + bh + 50;
        if (near) d.push(`M${X.toFixed(1)} ${Y.toFixed(1)}h0`);
      });
      if (d.length) el(group, "path", { d: d.join(""), stroke: o.fill || o.color || "#1f77b4", "stroke-width": 2 * r, "stroke-linecap": "round", fill: "none" });
      return;
    }
    xs.forEach((x, i) => {
      const X = ax.px(x);
      const Y = ax.py(ys[i]);
      if (!Number.isFinite(X) || !Number.isFinite(Y)) return;
      const fill = Array.isArray(o.fill) ? o.fill[i] : o.fill || o.color || "#1f77b4";
      const style = { fill, stroke: o.edge || fill, "stroke-width": (o.edgeWidth || 0.5) * PT };
      marker(group, o.marker || "o", X, Y, r, style);
    });
  }
  function marker(group, kind, X, Y, r, style) {
    if (kind === "o") return el(group, "circle", { cx: X, cy: Y, r, ...style });
    if (kind === "s") return el(group, "rect", { x: X - r * 0.9, y: Y - r * 0.9, width: 1.8 * r, height: 1.8 * r, ...style });
    if (kind === "^") return el(group, "polygon", { points: pts([X, X - r, X + r], [Y - r, Y + r * 0.75, Y + r * 0.75]), ...style });
    if (kind === "*") {
      const xs = [];
      const ys = [];
      for (let k = 0; k < 10; k++) {
        const a = -Math.PI / 2 + (k * Math.PI) / 5;
        const rr = k % 2 ? r * 0.45 : r * 1.1;
        xs.push(X + rr * Math.cos(a));
        ys.push(Y + rr * Math.sin(a));
      }
      return el(group, "polygon", { points: pts(xs, ys), ...style });
    }
    return el(group, "circle", { cx: X, cy: Y, r, ...style });
  }

  function text(ax, x, y, str, o = {}) {
    return el(o.layer || ax.top, "text", {
      x: ax.px(x),
      y: ax.py(y),
      "font-size": (o.size || 10) * PT,
      "text-anchor": o.anchor || "middle",
      "dominant-baseline": o.baseline || "central",
      fill: o.color || "black",
    }, str);
  }

  /** A legend box: entries [{label, color, ls, marker, fill}], at loc "upper left" etc. */
  function legend(ax, entries, loc = "upper left", size = 7) {
    const fs = fontSize(ax.svg, size);
    const rowH = fs * 1.45;
    const width = 12 + 28 + Math.max(...entries.map((e) => e.label.length)) * fs * 0.6;
    const height = entries.length * rowH + 8;
    const [x, y, w, h] = ax.box;
    const left = loc.includes("left") ? x + 6 : loc.includes("right") ? x + w - width - 6 : x + (w - width) / 2;
    const top = loc.includes("upper") ? y + 6 : loc.includes("lower") ? y + h - height - 6 : y + (h - height) / 2;
    const g = el(ax.top, "g");
    el(g, "rect", { x: left, y: top, width, height, rx: 3, fill: "white", "fill-opacity": 0.8, stroke: "#cccccc" });
    entries.forEach((e, i) => {
      const cy = top + 4 + rowH * (i + 0.5);
      if (e.ls !== undefined && e.ls !== "none") {
        el(g, "line", {
          x1: left + 6, x2: left + 30, y1: cy, y2: cy, stroke: e.color, "stroke-width": (e.width || 1.5) * PT,
          "stroke-dasharray": DASH[e.ls] && DASH[e.ls].split(",").map((d) => d * (e.width || 1.5) * PT).join(","),
        });
      }
      if (e.marker) marker(g, e.marker, left + 18, cy, ((e.ms || 6) * PT) / 2, { fill: e.fill || e.color, stroke: e.edge || e.color, "stroke-width": 0.6 });
      el(g, "text", { x: left + 36, y: cy, "font-size": fs, "dominant-baseline": "central" }, e.label);
    });
  }

  /** A filled polygon in data coordinates. */
  function polygon(ax, xs, ys, o = {}) {
    return el(o.layer || ax.g, "polygon", {
      points: pts(xs.map(ax.px), ys.map(ax.py)),
      fill: o.fill || "grey",
      "fill-opacity": o.opacity === undefined ? 1 : o.opacity,
      stroke: o.stroke || "none",
      "stroke-width": o.strokeWidth,
    });
  }

  /** Clip a convex polygon [[x, y], ...] to the half-plane a x + b y + c >= 0 (Sutherland-Hodgman). */
  function clipHalfPlane(poly, a, b, c) {
    const out = [];
    const side = ([x, y]) => a * x + b * y + c;
    for (let i = 0; i < poly.length; i++) {
      const p = poly[i];
      const q = poly[(i + 1) % poly.length];
      const sp = side(p);
      const sq = side(q);
      if (sp >= 0) out.push(p);
      if ((sp >= 0) !== (sq >= 0)) {
        const t = sp / (sp - sq);
        out.push([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]);
      }
    }
    return out;
  }

  /** The segment of the line a x + b y + c = 0 inside the box, or null. */
  function lineInBox(a, b, c, xlim, ylim) {
    const box = [[xlim[0], ylim[0]], [xlim[1], ylim[0]], [xlim[1], ylim[1]], [xlim[0], ylim[1]]];
    const hits = [];
    for (let i = 0; i < 4; i++) {
      const p = box[i];
      const q = box[(i + 1) % 4];
      const sp = a * p[0] + b * p[1] + c;
      const sq = a * q[0] + b * q[1] + c;
      if (sp === 0) hits.push(p);
      else if (sp * sq < 0) {
        const t = sp / (sp - sq);
        hits.push([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]);
      }
    }
    return hits.length >= 2 ? [hits[0], hits[1]] : null;
  }

  /** Colour of a value through a lookup table of hex colours spanning [lo, hi] (like a Normalize). */
  function lut(colors, value, lo, hi) {
    const t = hi > lo ? (value - lo) / (hi - lo) : 0.5;
    const k = Math.min(colors.length - 1, Math.max(0, Math.floor(t * colors.length)));
    return colors[k];
  }

  /** Axis limits around values with matplotlib's 5% margins (in log space for a log axis). */
  function autolim(values, log = false, margin = 0.05) {
    const v = values.filter((t) => Number.isFinite(t) && (!log || t > 0)).map((t) => (log ? Math.log10(t) : t));
    let lo = Math.min(...v);
    let hi = Math.max(...v);
    if (!(hi > lo)) {
      const d = lo === 0 ? 0.05 : Math.abs(lo) * 0.05; // one value: matplotlib widens around it
      lo -= d;
      hi += d;
    }
    const pad = margin * (hi - lo);
    return log ? [10 ** (lo - pad), 10 ** (hi + pad)] : [lo - pad, hi + pad];
  }

  ns.plot = {
    autolim,
    PT, el, figure, background, axes, equalAspect, line, markers, text, legend, polygon,
    clipHalfPlane, lineInBox, lut, format, linspace, sigmoid, niceTicks,
  };
})();
