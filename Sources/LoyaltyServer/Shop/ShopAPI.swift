import Foundation
import Hummingbird
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// The Shop API (`/{locale}/shop/...`): the Loyalty.lt integrator endpoints (S01-S22)
/// plus the seed FAQ's customer and points operations.
struct ShopAPI {
    let services: AppServices

    func register(on router: Router<LoyaltyRequestContext>, recorder: RouteRecorder) {
        let families = APIRouter(services: services, router: router, recorder: recorder)
        let routes = families.credentials("shop")
        routes.post("validate-credentials", validateCredentials)
        routes.get("shops", shops)
        routes.get("loyalty-cards", templates)
        routes.get("loyalty-cards/info", cardInfo)
        routes.get("loyalty-cards/balance", cardBalance)
        routes.get("loyalty-cards/:id", template)
        routes.post("transactions/create", createTransaction)
        routes.post("transactions/award-points", createTransaction)
        routes.get("transactions", transactions)
        routes.post("points/reserve", reserve)
        routes.post("points/release", release)
        routes.get("points/reservation", reservation)
        routes.post("customers", createCustomer)
        routes.get("customers", lookupCustomers)
        routes.get("customers/:id", customer)
        routes.get("customers/:id/balance", customerBalance)
        registerPoints(routes)
        registerProgram(routes)
        registerWebhooks(routes)
        registerCards(routes)
        let either = families.credentialsOrCustomer("shop")
        let customer = families.customerToken("shop")
        registerOffers(credentials: routes, either: either, customer: customer)
        registerCoupons(credentials: routes, either: either, customer: customer)
        registerCatalog(routes)
        registerGames(credentials: routes, either: either)
        registerGameSessions(customer: customer)
        registerQRSessions(routes)
        registerCustomerAPI(customer: families.customerToken("shop"), open: families.open("shop"))
        // The Partner API: partner users' tokens everywhere, the partner's API
        // credentials (as a manager) where the spec gives them (games, webhooks).
        let partners = families.partner("partners")
        let programme = partners.requiring(read: .role(.staff, credentials: true), write: .role(.manager, credentials: true))
        registerWebhooks(programme)
        registerPartnerGames(programme)
        PartnerAPI(services: services).register(open: families.open("partners"), partner: partners)
    }

    var tenants: any TenantRepository { services.tenants }
    var customers: any CustomerRepository { services.customers }
    var ledger: any LedgerRepository { services.ledger }

    func partner(_ call: APICall) async throws -> Partner {
        guard let p = try await tenants.partner(id: call.partnerID) else { throw APIError.unauthorized("credentials_invalid", code: 1101) }
        return p
    }

    // MARK: System (S01)

    @Sendable func validateCredentials(_ call: APICall) async throws -> APIResult {
        let p = try await partner(call)
        let data = JSON.object([
            ("valid", .bool(true)), ("partner_id", .int(p.id)), ("partner_name", .string(p.name)),
            ("partner", .object([("id", .int(p.id)), ("name", .string(p.name)), ("status", .string("active"))])),
            ("shop_id", .optional(call.principal.shopID)), ("environment", .string(call.principal.environment.rawValue)),
            ("permissions", .array(["shop:read", "transactions:write", "points:write", "customers:write"].map(JSON.string))),
            ("api_key", .string(ApiKeyFormat.masked(call.principal.key))),
        ])
        return APIResult(messageKey: "credentials_valid", data: data, extra: [("valid", .bool(true))])
    }

    // MARK: Shops and card templates (S11-S13)

    @Sendable func shops(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let page = f.page(maxPerPage: 50)
        let filter = ShopFilter(search: f.string("search"), isActive: f.bool("is_active") ?? true, isVirtual: f.bool("is_virtual"))
        let lat = f.has("latitude") ? f.string("latitude").flatMap(Double.init) : nil
        let lon = f.has("longitude") ? f.string("longitude").flatMap(Double.init) : nil
        let radius = f.has("radius") ? f.string("radius").flatMap(Double.init) : nil
        if f.has("latitude") && (lat == nil || !(-90...90).contains(lat!)) { f.fail("latitude", "v_in", ["values": "-90..90"]) }
        if f.has("longitude") && (lon == nil || !(-180...180).contains(lon!)) { f.fail("longitude", "v_in", ["values": "-180..180"]) }
        try f.throwIfInvalid()
        let p = try await partner(call)
        if let lat, let lon {
            // Distance search: a partner has few shops, so filter and sort them here.
            let all = try await tenants.shops(partnerID: call.partnerID, filter: filter, page: PageRequest(page: 1, perPage: 10_000)).items
            let ranked = all.compactMap { s -> (Shop, Double)? in
                guard let slat = s.latitude, let slon = s.longitude else { return nil }
                let d = Geo.distanceKm(lat, lon, slat, slon)
                return radius.map { d <= $0 } ?? true ? (s, d) : nil
            }.sorted { $0.1 < $1.1 }
            let slice = Array(ranked.dropFirst(page.offset).prefix(page.perPage))
            let result = Page(items: slice, request: page, total: ranked.count)
            return APIResult(data: .array(slice.map { Present.shop($0.0, partner: p, distanceKm: $0.1) }), meta: Envelope.meta(result))
        }
        let result = try await tenants.shops(partnerID: call.partnerID, filter: filter, page: page)
        return APIResult(data: .array(result.items.map { Present.shop($0, partner: p) }), meta: Envelope.meta(result))
    }

    @Sendable func templates(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let page = f.page(maxPerPage: 50)
        let filter = TemplateFilter(
            isActive: f.bool("is_active") ?? true,
            shopID: f.int("shop_id", min: 1),
            cardType: f.string("card_type"),
            search: f.string("search")
        )
        try f.throwIfInvalid()
        let p = try await partner(call)
        let result = try await tenants.templates(partnerID: call.partnerID, filter: filter, page: page)
        return APIResult(data: .array(result.items.map { Present.template($0, partner: p) }), meta: Envelope.meta(result))
    }

    @Sendable func template(_ call: APICall) async throws -> APIResult {
        guard let id = call.parameters["id"].flatMap(Int64.init), let t = try await services.cardTemplates.live(partnerID: call.partnerID, id: id)
        else {
            throw APIError.notFound("card_not_found", code: 1200, stringCode: .cardNotFound)
        }
        return APIResult(data: Present.template(t, partner: try await partner(call)))
    }

    // MARK: Card lookups (S14, S15)

    /// Finds the card named by `card_id`, `card_number` (number or QR UUID), `user_id` or `user_email`.
    func lookupCard(_ call: APICall) async throws -> LoyaltyCard {
        var f = call.fields
        let cardID = f.int("card_id", min: 1, max: Int64.max)
        let number = f.string("card_number", maxLength: 64)
        let userID = f.int("user_id", min: 1, max: Int64.max)
        let email = f.email("user_email")
        try f.throwIfInvalid()
        if let cardID {
            guard let card = try await customers.card(partnerID: call.partnerID, id: cardID) else { throw LoyaltyError.cardNotFound }
            return card
        }
        if let number {
            guard let card = try await customers.card(partnerID: call.partnerID, numberOrQR: number) else { throw LoyaltyError.cardNotFound }
            return card
        }
        var customerID = userID
        if customerID == nil, let email {
            customerID = try await customers.customer(partnerID: call.partnerID, email: email)?.id
            if customerID == nil { throw LoyaltyError.cardNotFound }
        }
        guard let customerID else {
            throw APIError(
                status: .unprocessableContent,
                code: 1100,
                stringCode: .validationError,
                messageKey: "lookup_required",
                fieldErrors: [("card_id", [Messages.text("lookup_required", call.locale)])]
            )
        }
        guard let card = try await customers.primaryCard(partnerID: call.partnerID, customerID: customerID) else { throw LoyaltyError.cardNotFound }
        return card
    }

    @Sendable func cardInfo(_ call: APICall) async throws -> APIResult {
        let card = try await lookupCard(call)
        guard let t = try await tenants.template(partnerID: call.partnerID, id: card.templateID),
            let c = try await customers.customer(partnerID: call.partnerID, id: card.customerID)
        else { throw LoyaltyError.cardNotFound }
        guard
            case var .object(members) = Present.cardInfo(
                card,
                template: t,
                customer: c,
                partner: try await partner(call),
                now: services.clock.nowMillis()
            )
        else { throw LoyaltyError.cardNotFound }
        members += [
            ("pending_points", .int(card.pending)), ("expiring_soon", Present.expiring(card)), ("lifetime_expired", .int(card.lifetimeExpired)),
            ("tier", try await tier(card, call)),
        ]
        return APIResult(data: .object(members))
    }

    @Sendable func cardBalance(_ call: APICall) async throws -> APIResult {
        APIResult(data: Present.balance(try await lookupCard(call)))
    }
}

enum Geo {
    /// Great-circle distance in kilometres (haversine).
    static func distanceKm(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double {
        let r = 6371.0
        let toRad = Double.pi / 180
        let dLat = (lat2 - lat1) * toRad
        let dLon = (lon2 - lon1) * toRad
        let a = sin(dLat / 2) * sin(dLat / 2) + cos(lat1 * toRad) * cos(lat2 * toRad) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * r * atan2(sqrt(a), sqrt(1 - a))
    }
}
