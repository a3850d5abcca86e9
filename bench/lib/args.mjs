// `--name value` / `--name=value` / `--flag` command-line options with defaults.
export function parseArgs(argv, defaults) {
  const options = { ...defaults };
  for (let i = 0; i < argv.length; i += 1) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!match) throw new Error(`unexpected argument ${argv[i]}`);
    const name = match[1].replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(name in defaults)) throw new Error(`unknown option --${match[1]}`);
    let value = match[2];
    if (value === undefined) {
      if (typeof defaults[name] === 'boolean') value = 'true';
      else value = argv[++i];
    }
    if (value === undefined) throw new Error(`--${match[1]} needs a value`);
    options[name] =
      typeof defaults[name] === 'number'
        ? Number(value)
        : typeof defaults[name] === 'boolean'
          ? value !== 'false'
          : value;
    if (typeof defaults[name] === 'number' && !Number.isFinite(options[name])) {
      throw new Error(`--${match[1]} must be a number`);
    }
  }
  return options;
}
