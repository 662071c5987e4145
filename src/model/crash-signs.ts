/**
 * What a program prints to stderr when it crashes, by language: the start of a Python
 * traceback, an uncaught Java exception, glibc's and CPython's fatal messages. Only these
 * count as a crash on stderr; a program's own warnings do not.
 */
const SIGNS = [
  /^Traceback \(most recent call last\):$/m,
  /^Exception in thread "[^"\n]*" \S/m,
  /^Fatal Python error: /m,
  /^\*\*\* (?:stack smashing|buffer overflow) detected \*\*\*/m,
  /^(?:free|malloc|realloc)\(\): .*$/m,
  /^double free or corruption/m,
];

const MAX_LINES = 40;

/**
 * The crash report in a node's stderr (from its first sign to the end, the middle cut when
 * it is long: the top says where it started, the bottom what was raised), or undefined.
 */
export function crashText(stderr: string): string | undefined {
  let at = -1;
  for (const s of SIGNS) {
    const m = s.exec(stderr);
    if (m && (at < 0 || m.index < at)) at = m.index;
  }
  if (at < 0) return undefined;
  const lines = stderr.slice(at).replace(/\s+$/, '').split('\n');
  if (lines.length <= MAX_LINES) return lines.join('\n');
  return [...lines.slice(0, 8), `… (${lines.length - MAX_LINES + 8} lines left out)`, ...lines.slice(-(MAX_LINES - 8))].join('\n');
}

/** What a program printed when a library it uses is missing: Python, javac, the JVM, a C compiler. */
const MISSING: [RegExp, (name: string) => string][] = [
  [/ModuleNotFoundError: No module named '([\w.]+)'/, (m) => `imports ${m.split('.')[0]}`],
  [/error: package ([\w.]+) does not exist/, (m) => `imports the Java package ${m}`],
  [/NoClassDefFoundError: ([\w/$]+)/, (m) => `uses the Java class ${m.replace(/\//g, '.')}`],
  [/fatal error: ([\w/.+-]+\.h): No such file or directory/, (m) => `includes ${m}`],
];

/**
 * "imports pandas, which the grading image does not have; ask your instructor" when the
 * text (a crash's stderr, a node's last output) says a library was missing, else undefined.
 */
export function missingLibrary(text: string | undefined): string | undefined {
  if (!text) return undefined;
  for (const [re, what] of MISSING) {
    const m = re.exec(text);
    if (m) return `${what(m[1]!)}, which the grading image does not have; ask your instructor (a course can add Debian packages with grading.packages, docs/grading.md)`;
  }
  return undefined;
}
