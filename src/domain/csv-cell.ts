/** CSV injection (OWASP): a spreadsheet reads a cell starting with =, +, -, @, tab or carriage
 *  return as a formula (« -2+3+cmd|' /C calc'!A0 » runs a command in some set-ups). Every such
 *  cell is prefixed with a quote, whatever follows, so that it is shown as the text it is. */
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutralizeCsvCell(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}
