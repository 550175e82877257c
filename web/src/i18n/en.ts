// The en catalog: see ../i18n.ts.
import type { Catalog } from '../i18n'

const catalog: Catalog = {
}

export default catalog
