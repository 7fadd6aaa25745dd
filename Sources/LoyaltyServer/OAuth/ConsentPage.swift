import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import LoyaltyStore
import NIOCore

/// The OAuth consent page: which app asks, for which partner, for what; the user
/// signs in (email, password, TOTP when enabled) and allows or declines.
///
/// Server-rendered, no script; every value HTML-escaped; a Content-Security-Policy that
/// allows only this page's own style block (by hash) and posting to this server; framing
/// refused (clickjacking); never cached.
enum ConsentPage {
    static let style = """
        body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1d2b26}\
        h1{font-size:1.3rem}ul{padding-left:1.2rem}label{display:block;margin:.6rem 0 .2rem}\
        input{width:100%;padding:.5rem;box-sizing:border-box}.row{display:flex;gap:.6rem;margin-top:1rem}\
        button{flex:1;padding:.6rem}.error{color:#a40000}.muted{color:#555;font-size:.9rem}
        """

    static let styleHash = "sha256-" + Data(SHA256.hash(data: Array(style.utf8))).base64EncodedString()

    static let descriptions: [String: String] = [
        "loyalty:read": "Read your shops, customers, transactions, card templates and games",
        "loyalty:write": "Change shops, customers and card templates",
        "points:manage": "Award points and import customers",
        "offers:manage": "Create and change games",
        "analytics:read": "Read analytics and export data",
        "webhooks:manage": "Manage webhooks and read the event feed",
    ]

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func page(_ body: String, status: HTTPResponse.Status) -> Response {
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
            <title>Allow access</title><style>\(style)</style></head><body>\(body)</body></html>
            """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] = "default-src 'none'; style-src '\(styleHash)'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    static func error(_ message: String, status: HTTPResponse.Status) -> Response {
        page("<h1>Cannot allow access</h1><p class=\"error\">\(escape(message))</p>", status: status)
    }

    static func consent(
        client: OAuthClient,
        partnerName: String,
        scope: [String],
        formToken: String,
        message: String?,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let items = scope.map { "<li><strong>\(escape($0))</strong>: \(escape(descriptions[$0] ?? $0))</li>" }.joined()
        let error = message.map { "<p class=\"error\" role=\"alert\">\(escape($0))</p>" } ?? ""
        return page(
            """
            <h1>\(escape(client.name)) wants access to \(escape(partnerName))</h1>
            <p>Signing in allows the app to:</p><ul>\(items)</ul>
            <p class="muted">It acts with your role, at most a manager's, until you or an owner revoke it.</p>\(error)
            <form method="post" action="/oauth/authorize">
            <input type="hidden" name="form_token" value="\(escape(formToken))">
            <label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required>
            <label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
            <label for="totp">Authenticator code (if enabled)</label><input id="totp" name="totp_code" inputmode="numeric" autocomplete="one-time-code">
            <div class="row"><button type="submit" name="decision" value="approve">Allow</button>
            <button type="submit" name="decision" value="deny" formnovalidate>Decline</button></div>
            </form>
            """,
            status: status
        )
    }
}
