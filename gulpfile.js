// Icons and the codex file are not TypeScript, so tsc leaves them behind; this copies them into dist/.
const { src, dest } = require('gulp');

function copyNodeAssets() {
	return src(['nodes/**/*.svg', 'nodes/**/*.png', 'nodes/**/*.node.json'], { encoding: false }).pipe(dest('dist/nodes'));
}

exports['build:icons'] = copyNodeAssets;
