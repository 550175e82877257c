// The marketplace's page: mounts each party's room with offer-room's embed helper, themed in the
// marketplace's colours, lists what each room reports (onEvent), and polls its own server for the
// webhooks it received. Everything the page needs is in the JSON block #config.
const config = JSON.parse(document.getElementById('config').textContent)
const { mount } = await import(`${config.offerRoom}/assets/offer-room-embed.js`)

// Kept on window so a test (or a curious integrator in the console) can read what arrived.
window.events = { client: [], freelancer: [] }

const THEME = { brand: '#0a7d4f', accent: '#f59e0b', font: 'Georgia, serif', radius: 12 }

function logLine (list, text) {
  const li = document.createElement('li')
  li.textContent = text
  list.prepend(li)
}

for (const role of ['client', 'freelancer']) {
  const log = document.getElementById(`events-${role}`)
  const room = mount(document.getElementById(`room-${role}`), {
    url: config.links[role],
    theme: THEME,
    lang: role === 'freelancer' ? 'de' : 'en',
    autoHeight: true,
    onEvent: (event) => {
      window.events[role].push(event)
      if (event.type !== 'resize') logLine(log, `${event.type} ${JSON.stringify(event)}`)
    }
  })
  window[`room_${role}`] = room
}

const hooks = document.getElementById('webhooks')
const offerId = new URL(config.links.client).pathname.split('/').pop()
let shown = 0
async function poll () {
  try {
    const response = await fetch(`/webhooks/log?offer=${encodeURIComponent(offerId)}`)
    const items = await response.json()
    for (const item of items.slice(shown)) logLine(hooks, `${item.kind} (${item.id}) by ${item.actor ?? 'offer-room'}`)
    shown = items.length
  } catch (err) {
    console.warn('webhook log', err)
  }
  setTimeout(poll, 1000)
}
poll()
