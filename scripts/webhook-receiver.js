// A webhook receiver for scripts/webhook-check.sh: verifies every delivery with the
// seed FAQ's own verification function (below, unchanged) and appends one JSON line
// per request to $LOG. The endpoint secret is read from $SECRET_FILE on each request
// (it exists only once the webhook has been created).
//   /hook       answers 200 at once
//   /slow-once  holds the first request of each delivery id for 8 s (the check kills
//               the server meanwhile), answers later ones at once
// Listens on 127.0.0.1:$PORT.
const http = require('http')
const fs = require('fs')

// Proper webhook verification
const crypto = require('crypto')

function verifyWebhook(payload, signature, secret) {
  const expectedSignature = crypto
    .createHmac('sha256', secret)
    .update(payload)
    .digest('hex')

  return crypto.timingSafeEqual(
    Buffer.from(signature),
    Buffer.from(`sha256=${expectedSignature}`)
  )
}

const seen = new Set()
http.createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    const payload = Buffer.concat(chunks).toString('utf8')
    const secret = fs.readFileSync(process.env.SECRET_FILE, 'utf8').trim()
    let verified = false
    try { verified = verifyWebhook(payload, req.headers['x-loyalty-signature'] || '', secret) } catch (e) { verified = false }
    let body = {}
    try { body = JSON.parse(payload) } catch (e) {}
    const delivery = req.headers['x-loyalty-delivery']
    const entry = { path: req.url, delivery, event: req.headers['x-loyalty-event'], attempt: req.headers['x-loyalty-attempt'],
                    verified, order_id: (body.data || {}).order_id || null, partner_id: body.partner_id }
    fs.appendFileSync(process.env.LOG, JSON.stringify(entry) + '\n')
    const hold = req.url.startsWith('/slow-once') && !seen.has(delivery)
    seen.add(delivery)
    setTimeout(() => { res.writeHead(verified ? 200 : 401); res.end(verified ? 'ok' : 'bad signature') }, hold ? 8000 : 0)
  })
}).listen(Number(process.env.PORT), '127.0.0.1')
