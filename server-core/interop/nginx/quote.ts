// Writing nginx words: bare when the lexer would read them back unchanged, else double-quoted
// with `"` and `\` escaped (the lexer turns `\\` back into `\`, and keeps `\.` as written).

export function nginxWord(value: string): string {
  if (value !== '' && !/[\s;{}"'\\#]/.test(value) && !value.startsWith('#')) return value;
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** One directive line: `name arg arg;`. */
export function line(indent: number, name: string, ...args: Array<string | number>): string {
  return `${'    '.repeat(indent)}${[name, ...args.map((a) => nginxWord(String(a)))].join(' ')};`;
}
