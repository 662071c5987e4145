/**
 * The layers of docs/architecture.md, checked by `npm run lint`. Each folder may import
 * only the folders below it; type-only imports are allowed where the docs say "types only".
 */
const folder = (f) => `^src/${f}/`;
// Tests may reach across layers (a test of model/ checks every error class, say).
const TESTS = '\\.test\\.ts$';
const forbid = (name, from, to, comment, extra = {}) => ({ name, severity: 'error', comment, from: { path: from, pathNot: TESTS }, to: { path: to, ...extra } });
const notTypeOnly = { dependencyTypesNot: ['type-only'] };

module.exports = {
  forbidden: [
    forbid('model-is-the-bottom', folder('model'), '^src/(?!model/)', 'model/ imports nothing of the project'),
    forbid('apps-stand-alone', folder('apps/[^/]+'), '^src/(?!apps/)', 'apps never import the controller'),
    {
      name: 'apps-share-only-common',
      severity: 'error',
      comment: 'an app imports only its own folder and apps/common',
      from: { path: '^src/apps/([^/]+)/', pathNot: TESTS },
      to: { path: '^src/apps/', pathNot: ['^src/apps/$1/', '^src/apps/common/'] },
    },
    forbid('wire-stands-alone', folder('wire'), '^src/(?!wire/|model/)', 'wire/ (capture, decoders, diagrams, faults) imports only model/; the lab drives it'),
    forbid('nothing-imports-ui', '^src/(?!ui/|cli/)', folder('ui'), 'only the CLI starts the live page'),
    forbid('ui-through-lab', folder('ui'), '^src/(runtime|grade|images|scenario/(?!steps/step-kind))', 'ui/ sees a lab through lab/ interfaces, never a runtime'),
    forbid('images-below-runtime', folder('images'), '^src/(?!images/|model/)', 'images/ imports only model/'),
    forbid('report-below-grade', folder('report'), '^src/(?!report/|model/)', 'report/ writers import only model/'),
    forbid(
      'topology-never-runtime',
      folder('topology'),
      '^src/(?!topology/|model/|scenario/steps/|scenario/scenario-errors\\.ts$)',
      'topology/ imports step schemas and model only (never runtime)',
      notTypeOnly,
    ),
    forbid('steps-no-runtime-code', folder('scenario/steps'), '^src/(runtime|lab|grade|cli|images|report)/', 'a step file gets everything through StepContext (types only)', notTypeOnly),
    forbid('scenario-below-lab', folder('scenario'), '^src/(lab|grade|cli|images|report)/', 'scenario/ imports topology and model (runtime: types only)', notTypeOnly),
    forbid('scenario-runtime-types-only', folder('scenario'), folder('runtime'), 'scenario/ uses runtime types only', notTypeOnly),
    forbid('runtime-below-lab', folder('runtime'), '^src/(lab|grade|cli|report|scenario)/', 'runtime/ imports topology, model and images', notTypeOnly),
    forbid('lab-below-grade', folder('lab'), '^src/(grade|cli)/', 'lab/ never imports grade/ or cli/'),
    forbid('grade-below-cli', folder('grade'), folder('cli'), 'grade/ never imports cli/'),
    forbid('tests-stay-out', '^src/(?!.*\\.test\\.ts$)', '\\.test\\.ts$', 'code never imports a test'),
    { name: 'no-cycles', severity: 'error', comment: 'no import cycles', from: { path: '^src/' }, to: { circular: true, viaOnly: notTypeOnly } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '(^|/)node_modules/|^dist/' },
  },
};
