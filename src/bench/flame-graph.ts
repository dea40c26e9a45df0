// A flame graph as a standalone SVG from folded stacks (cpu-profile.ts#foldedStacks): each box
// a frame, its width the time spent in it and below it, callers beneath callees; hovering a box
// shows its name, time and share (an SVG <title>). Boxes narrower than a pixel's worth are left
// out, as in Brendan Gregg's flamegraph.pl, which this follows in spirit, not in code.

interface Frame {
  name: string;
  us: number;
  children: Map<string, Frame>;
}

const WIDTH_PX = 1200;
const ROW_PX = 16;
const PAD_PX = 10;
const TITLE_PX = 24;
/** Boxes below this width are dropped (with their callees). */
const MIN_BOX_PX = 0.5;
const CHAR_PX = 6.5;

/** The call tree of folded stacks (lines "a;b;c <µs>"). */
function treeOf(folded: readonly string[]): Frame {
  const root: Frame = { name: 'all', us: 0, children: new Map() };
  for (const line of folded) {
    const cut = line.lastIndexOf(' ');
    const us = Number(line.slice(cut + 1));
    if (cut <= 0 || !Number.isFinite(us)) continue;
    root.us += us;
    let at = root;
    for (const name of line.slice(0, cut).split(';')) {
      let next = at.children.get(name);
      if (!next) at.children.set(name, (next = { name, us: 0, children: new Map() }));
      next.us += us;
      at = next;
    }
  }
  return root;
}

function depthOf(f: Frame, minUs: number): number {
  let d = 0;
  for (const c of f.children.values()) if (c.us >= minUs) d = Math.max(d, depthOf(c, minUs));
  return d + 1;
}

/** A warm colour per name, stable across graphs (the same function keeps its colour before and after). */
function colourOf(name: string): string {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  const node = name.includes('node:') || name.includes('[native]');
  const ours = name.includes('src/');
  const hue = ours ? 190 + (h % 40) : node ? 40 + (h % 20) : h % 40;
  return `hsl(${hue},${60 + (h % 30)}%,${ours ? 65 : 60}%)`;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The SVG text of a flame graph of `folded`, titled `title`. */
export function flameGraphSvg(folded: readonly string[], title: string): string {
  const root = treeOf(folded);
  const total = Math.max(1, root.us);
  const scale = (WIDTH_PX - 2 * PAD_PX) / total;
  const minUs = MIN_BOX_PX / scale;
  const depth = depthOf(root, minUs);
  const height = TITLE_PX + depth * ROW_PX + 2 * PAD_PX;
  const boxes: string[] = [];
  const draw = (f: Frame, x: number, level: number): void => {
    const w = f.us * scale;
    const y = height - PAD_PX - (level + 1) * ROW_PX;
    const label = `${f.name} (${(f.us / 1000).toFixed(1)} ms, ${((100 * f.us) / total).toFixed(2)}%)`;
    const fits = Math.floor((w - 4) / CHAR_PX);
    const text = fits >= 3 ? (f.name.length <= fits ? f.name : `${f.name.slice(0, fits - 2)}..`) : '';
    boxes.push(
      `<g><title>${escapeXml(label)}</title><rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${ROW_PX - 1}" fill="${colourOf(f.name)}" rx="2"/>` +
        (text ? `<text x="${(x + 3).toFixed(1)}" y="${y + ROW_PX - 4}">${escapeXml(text)}</text>` : '') +
        '</g>',
    );
    let cx = x;
    const kids = [...f.children.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const c of kids) {
      if (c.us >= minUs) draw(c, cx, level + 1);
      cx += c.us * scale;
    }
  };
  draw(root, PAD_PX, 0);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH_PX}" height="${height}" viewBox="0 0 ${WIDTH_PX} ${height}" font-family="monospace" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fdfdf6"/>`,
    `<text x="${PAD_PX}" y="${PAD_PX + 12}" font-size="14">${escapeXml(title)} (${(total / 1000).toFixed(0)} ms of CPU sampled; hover a box for its share)</text>`,
    ...boxes,
    '</svg>',
    '',
  ].join('\n');
}
