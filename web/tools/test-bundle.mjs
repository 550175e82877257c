// Bundles a few of src/'s modules with esbuild into a temporary ES module and imports it, so the
// node --test files can test TypeScript without a compile step of their own.
import { build } from 'esbuild'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** `contents` is an entry module (re-exports of ./src/… paths); returns its exports. */
export async function bundle (contents) {
  const dir = await mkdtemp(join(tmpdir(), 'offer-room-test-'))
  await build({
    stdin: { contents, resolveDir: root, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    outfile: join(dir, 'lib.mjs'),
    logLevel: 'error'
  })
  const lib = await import(join(dir, 'lib.mjs'))
  await rm(dir, { recursive: true })
  return lib
}
