// Builds ../../assets/vendor/plotly-dashboard.min.js: plotly.js with only the trace types the dashboard
// draws, in the settings of plotly.js's own esbuild-config.js (an IIFE defining window.Plotly, CSS inlined).
// dcc.Graph uses window.Plotly when a page defines it, so Dash never loads its full plotly.min.js.
import { build } from 'esbuild';
import { readFile, writeFile } from 'node:fs/promises';

const inlineCss = {
    name: 'inline-css',
    setup(b) {
        b.onLoad({ filter: /\.css$/ }, async (args) => {
            const css = await readFile(args.path, 'utf8');
            return {
                contents: `if (typeof document !== 'undefined') { const s = document.createElement('style');
                    s.textContent = ${JSON.stringify(css)}; document.head.appendChild(s); }`,
                loader: 'js',
            };
        });
    },
};

const version = JSON.parse(await readFile('node_modules/plotly.js/package.json', 'utf8')).version;
const result = await build({
    metafile: true,
    entryPoints: ['entry.js'],
    outfile: '../../assets/vendor/plotly-dashboard.min.js',
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    legalComments: 'none',
    banner: { js: `/* plotly.js ${version} partial bundle (scatter, bar, heatmap, scattergeo, scattermap), MIT; maplibre-gl, BSD-3-Clause. Built by tools/plotly-bundle. */` },
    plugins: [inlineCss],
    define: { global: 'window', 'define.amd': 'false', 'process.env.NODE_DEBUG': 'false' },
    target: 'es2016',
    logLevel: 'info',
});

// Every npm package whose code is in the bundle, with its licence: assets/vendor/plotly-dashboard.licenses.txt
const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
    const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g);
    if (!m) continue;
    const dir = m.join('').replace(/\/$/, '');
    const meta = JSON.parse(await readFile(`${dir}/package.json`, 'utf8'));
    packages.set(`${meta.name}@${meta.version}`, meta.license || 'see its package');
}
const lines = [...packages].sort().map(([p, l]) => `${p}\t${l}`);
await writeFile('../../assets/vendor/plotly-dashboard.licenses.txt',
    `Packages bundled in plotly-dashboard.min.js (name@version, licence):\n${lines.join('\n')}\n`);
