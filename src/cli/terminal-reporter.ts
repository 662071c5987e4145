import type { LabReporter, LabResults } from '../lab/run-lab.js';
import type { ScenarioResult, StepEvent } from '../model/scenario-result.js';
import { visible as v } from '../model/visible-text.js';
import { crashHeading, shownCrashes } from '../report/crash-heading.js';

const color = process.stderr.isTTY && !process.env.NO_COLOR;
const c = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
const green = (s: string) => c('32', s);
const red = (s: string) => c('31', s);
const dim = (s: string) => c('2', s);
const bold = (s: string) => c('1', s);
const secs = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

/** Progress on stderr that a person can follow while a lab runs. */
export class TerminalReporter implements LabReporter {
  constructor(private readonly out: NodeJS.WritableStream = process.stderr) {}

  private line(s: string): void {
    this.out.write(`${s}\n`);
  }

  phase(name: string): void {
    this.line(dim(`── ${name}`));
  }

  nodeStarted(name: string, ip: string): void {
    this.line(`   ${name.padEnd(12)} ${ip.padEnd(15)} started`);
  }

  scenarioStart(name: string): void {
    this.line(`${bold('▶')} ${name}`);
  }

  step(e: StepEvent): void {
    const mark = e.status === 'passed' ? green('✓') : red('✗');
    this.line(`   ${mark} ${dim(e.path.padEnd(6))} ${v(e.description)} ${dim(secs(e.ms))}`);
    if (e.error) this.line(`       ${red(v(e.error))}`);
  }

  scenarioEnd(r: ScenarioResult): void {
    const pts = r.maxPoints ? ` ${r.points}/${r.maxPoints} pts` : '';
    if (r.status === 'passed') {
      this.line(`${green('✔ passed')} ${r.name} ${dim(secs(r.ms))}${pts}`);
      for (const c of shownCrashes(r)) this.line(`   ${v(crashHeading(c))}:\n${indent(v(c.stderr ?? ''))}`);
    } else {
      const f = r.failure!;
      this.line(`${red('✘ failed')} ${r.name} ${dim(secs(r.ms))}${pts}`);
      this.line(`   at step ${f.step} (${v(f.description)}): ${v(f.message)}`);
      if (f.tail) this.line(`   last output of ${f.node ?? 'the node'}:\n${indent(v(f.tail))}`);
      for (const c of shownCrashes(r)) this.line(`   ${v(crashHeading(c))}${c.stderr ? `:\n${indent(v(c.stderr))}` : ''}`);
      if (f.stepsLeft.length) this.line(`   steps not run: ${f.stepsLeft.length} (${f.stepsLeft.slice(0, 3).join('; ')}${f.stepsLeft.length > 3 ? '; …' : ''})`);
    }
  }

  info(message: string): void {
    this.line(dim(`   ${v(message)}`));
  }

  /** The table at the end: one row per scenario, then the totals and where the evidence is. */
  summary(res: LabResults): void {
    this.line('');
    const w = Math.max(8, ...res.scenarios.map((s) => s.name.length));
    this.line(bold(`${'scenario'.padEnd(w)}  status   time     points`));
    for (const s of res.scenarios) {
      const st = s.status === 'passed' ? green('passed') : red('FAILED');
      this.line(`${s.name.padEnd(w)}  ${st}   ${secs(s.ms).padStart(7)}  ${s.maxPoints ? `${s.points}/${s.maxPoints}` : '-'}`);
    }
    const passed = res.scenarios.filter((s) => s.status === 'passed').length;
    const phases = Object.entries(res.phases).map(([k, v]) => `${k} ${secs(v)}`).join(', ');
    this.line('');
    if (res.error) this.line(red(`lab error${res.error.node ? ` (node ${res.error.node})` : ''}: ${v(res.error.message)}`) + (res.error.tail ? `\n   last output of ${res.error.node}:\n${indent(v(res.error.tail))}` : ''));
    if (res.status === 'interrupted') this.line(red('interrupted; everything was torn down'));
    this.line(
      `${res.status === 'passed' ? green('PASSED') : red(res.status.toUpperCase())} ${passed}/${res.scenarios.length} scenarios` +
        (res.score.max ? `, ${res.score.points}/${res.score.max} points` : '') +
        ` on ${res.runtime} in ${secs(res.ms)} (${phases})`,
    );
    this.line(`evidence: ${res.runDir}`);
  }
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `     │ ${l}`)
    .join('\n');
}
