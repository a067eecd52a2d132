// @socialgouv/jours-feries ships no types: a year's French public holidays, by name, each a Date
// at local midnight of the process.
declare module "@socialgouv/jours-feries" {
  function joursFeries(year: number, options?: { alsace?: boolean }): Record<string, Date>;
  export default joursFeries;
}
