// One build command for the web app: bundle src/main.ts and copy the static shell into dist/.
import { build } from 'esbuild'
import { copyFile, mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(fileURLToPath(import.meta.url))
const dist = join(root, 'dist')

await mkdir(dist, { recursive: true })
await build({
  entryPoints: [join(root, 'src/main.ts')],
  bundle: true,
  format: 'esm',
  minify: true,
  sourcemap: true,
  target: ['es2022'],
  outfile: join(dist, 'app.js'),
  logLevel: 'warning'
})
for (const file of ['index.html', 'app.css']) {
  await copyFile(join(root, file), join(dist, file))
}
console.log('built web/dist (app.js, app.css, index.html)')
