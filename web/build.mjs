// One build command for the web app: bundle src/main.ts and the embedding helper, and copy the
// static shell into dist/.
import { build } from 'esbuild'
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
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
// The outcome report page for integrators (/reports): its own small bundle.
await build({
  entryPoints: [join(root, 'src/report/main.ts')],
  bundle: true,
  format: 'esm',
  minify: true,
  sourcemap: true,
  target: ['es2022'],
  outfile: join(dist, 'report.js'),
  logLevel: 'warning'
})
// The embedding helper (embed/offer-room-embed.ts): an ES module, a classic script setting
// window.OfferRoomEmbed, and its declarations.
const embedEntry = join(root, 'embed/offer-room-embed.ts')
const embedCommon = { entryPoints: [embedEntry], bundle: true, minify: true, target: ['es2020'], logLevel: 'warning' }
await build({ ...embedCommon, format: 'esm', outfile: join(dist, 'offer-room-embed.js') })
await build({ ...embedCommon, format: 'iife', outfile: join(dist, 'offer-room-embed.global.js') })
const ts = (await import('typescript')).default
const dts = ts.transpileDeclaration(await readFile(embedEntry, 'utf8'), { fileName: 'offer-room-embed.ts', reportDiagnostics: true })
if (dts.diagnostics?.length) throw new Error('offer-room-embed.d.ts: ' + dts.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; '))
await writeFile(join(dist, 'offer-room-embed.d.ts'), dts.outputText)
// The dark scheme: derived from app.css, then dark.css's own rules.
const { darkRules } = await import('./tools/dark-css.mjs')
await writeFile(join(dist, 'dark.css'), darkRules(await readFile(join(root, 'app.css'), 'utf8')) + await readFile(join(root, 'dark.css'), 'utf8'))
for (const file of ['index.html', 'app.css', 'report.html', 'report.css']) {
  await copyFile(join(root, file), join(dist, file))
}
console.log('built web/dist (app.js, app.css, dark.css, index.html, report.js, report.css, report.html, offer-room-embed.js, .global.js, .d.ts)')
