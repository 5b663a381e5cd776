// A terminal's buffer (@xterm/headless) as a static SVG: one <text> per row, one <tspan> per run of cells that
// share a style, drawn in a window frame. Pure: the cells in, the SVG text out (scripts/record.mjs writes it).

const font = { size: 14, lineHeight: 19, charWidth: 8.43 };
const padding = { x: 16, top: 40, bottom: 16 };
const colors = { background: '#1d1f21', foreground: '#d7dae0', dim: 0.6 };

/** The 16 ANSI colours (xterm's defaults, softened for a dark background). */
const ansi = ['#1d1f21', '#e06c75', '#98c379', '#e5c07b', '#61afef', '#c678dd', '#56b6c2', '#d7dae0', '#5c6370', '#ef7b85', '#a8d38a', '#f0cf8a', '#7cc0f5', '#d38ce6', '#6ccad5', '#ffffff'];

function hex(value) {
  return `#${value.toString(16).padStart(6, '0')}`;
}

/** xterm's 256-colour palette: 16 ANSI, a 6x6x6 cube, 24 greys. */
function paletteColor(index) {
  if (index < 16) return ansi[index];
  if (index < 232) {
    const steps = [0, 95, 135, 175, 215, 255];
    const n = index - 16;
    return hex((steps[Math.floor(n / 36)] << 16) | (steps[Math.floor(n / 6) % 6] << 8) | steps[n % 6]);
  }
  const grey = 8 + (index - 232) * 10;
  return hex((grey << 16) | (grey << 8) | grey);
}

function foregroundOf(cell) {
  if (cell.isFgRGB()) return hex(cell.getFgColor());
  if (cell.isFgPalette()) return paletteColor(cell.getFgColor());
  return undefined;
}

/**
 * Each row of the buffer as runs of { text, style }: the whole of it (scrollback included), or with `visible` the
 * screen as it is now; blank rows at the start of the screen and at the end dropped.
 */
export function rowsOf(terminal, { visible = false } = {}) {
  const buffer = terminal.buffer.active;
  const rows = [];
  const cell = buffer.getNullCell();
  const first = visible ? buffer.viewportY : 0;
  const end = visible ? Math.min(buffer.length, buffer.viewportY + terminal.rows) : buffer.length;
  for (let y = first; y < end; y += 1) {
    const line = buffer.getLine(y);
    const runs = [];
    if (line !== undefined) {
      for (let x = 0; x < line.length; x += 1) {
        line.getCell(x, cell);
        if (cell.getWidth() === 0) continue;
        const style = { color: foregroundOf(cell), bold: cell.isBold() !== 0, dim: cell.isDim() !== 0, italic: cell.isItalic() !== 0, underline: cell.isUnderline() !== 0 };
        const key = JSON.stringify(style);
        const last = runs.at(-1);
        const chars = cell.getChars() || ' ';
        if (last !== undefined && last.key === key) last.text += chars;
        else runs.push({ key, style, text: chars });
      }
    }
    while (runs.length > 0 && runs.at(-1).text.trim() === '') runs.pop();
    const lastRun = runs.at(-1);
    if (lastRun !== undefined) lastRun.text = lastRun.text.replace(/\s+$/, '');
    rows.push(runs.map(({ style, text }) => ({ style, text })));
  }
  while (rows.length > 0 && rows.at(-1).length === 0) rows.pop();
  while (visible && rows.length > 0 && rows[0].length === 0) rows.shift();
  return rows;
}

/** The rows' text, as a person reads the screen (a row's runs are contiguous from its first column). */
export function plainText(rows) {
  return rows.map((runs) => runs.map((run) => run.text).join('')).join('\n');
}

/** Rewrites each run's text (the redactions): a replacement stays within its run, the runs after it move along. */
export function mapText(rows, rewrite) {
  return rows.map((runs) => runs.map((run) => ({ ...run, text: rewrite(run.text) })));
}

function escape(text) {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attributes(style) {
  const parts = [];
  if (style.color !== undefined) parts.push(`fill="${style.color}"`);
  if (style.bold) parts.push('font-weight="bold"');
  if (style.dim) parts.push(`fill-opacity="${colors.dim}"`);
  if (style.italic) parts.push('font-style="italic"');
  if (style.underline) parts.push('text-decoration="underline"');
  return parts.length === 0 ? '' : ` ${parts.join(' ')}`;
}

/** The SVG of the rows in a window titled `title`, `columns` wide. */
export function terminalSvg(rows, { columns, title, description }) {
  const width = Math.ceil(padding.x * 2 + columns * font.charWidth);
  const height = Math.ceil(padding.top + rows.length * font.lineHeight + padding.bottom);
  const lines = rows.map((runs, index) => {
    const y = padding.top + (index + 1) * font.lineHeight - 5;
    let column = 0;
    const spans = runs
      .map((run) => {
        const span = run.text.trim() === '' ? '' : `<tspan x="${(padding.x + column * font.charWidth).toFixed(2)}"${attributes(run.style)}>${escape(run.text)}</tspan>`;
        column += [...run.text].length;
        return span;
      })
      .join('');
    return spans === '' ? '' : `  <text y="${y}">${spans}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="title desc">`,
    `  <title id="title">${escape(title)}</title>`,
    `  <desc id="desc">${escape(description)}</desc>`,
    `  <rect width="${width}" height="${height}" rx="8" fill="${colors.background}"/>`,
    ...['#ff5f56', '#ffbd2e', '#27c93f'].map((fill, index) => `  <circle cx="${20 + index * 20}" cy="18" r="6" fill="${fill}"/>`),
    `  <text x="${width / 2}" y="22" text-anchor="middle" font-family="sans-serif" font-size="12" fill="#8b9098">${escape(title)}</text>`,
    `  <g font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace" font-size="${font.size}" fill="${colors.foreground}" xml:space="preserve">`,
    ...lines.filter((line) => line !== '').map((line) => `  ${line}`),
    '  </g>',
    '</svg>',
    '',
  ].join('\n');
}
