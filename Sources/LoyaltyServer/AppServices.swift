import Foundation
import Logging
import LoyaltyCore
import LoyaltyStore

/// The composition root's product: every long-lived part, built once and passed down
/// by constructor. `main`, the CLI commands and the tests all build it the same way.
public struct AppServices: Sendable {
    public let config: AppConfig
    public let database: any DatabaseClient
    public let tenants: any TenantRepository
    public let customers: any CustomerRepository
    public let ledger: any LedgerRepository
    public let programs: any ProgramRepository
    public let idempotency: any IdempotencyRepository
    /// Matures, expires and re-tiers in the background (see ``LotSweeperService``).
    public let sweeper: LotSweeper
    public let webhooks: any WebhookRepository
    public let events: any EventRepository
    /// Publishes the outbox to the event feed and delivers webhooks (see ``WebhookDispatcher``).
    public let dispatcher: WebhookDispatcher
    let webhookTargets: WebhookTargetPolicy
    public let cards: any CardRepository
    public let offers: any OfferRepository
    public let coupons: any CouponRepository
    public let catalog: any CatalogRepository
    public let games: any GameRepository
    let couponQR: CouponQR
    public let signingKeys: any SigningKeyRepository
    public let qrSessions: any QRSessionRepository
    let cardTokens: CardTokens
    let customerTokens: CustomerTokens
    public let partners: any PartnerRepository
    public let partnerUsers: any PartnerUserRepository
    public let auditLog: any AuditLogRepository
    public let partnerCustomers: any PartnerCustomerViews
    public let cardTemplates: any CardTemplateRepository
    public let privacy: any CustomerPrivacyRepository
    public let pointSharing: any PointSharingRepository
    /// Keeps the analytics rollups (see ``AnalyticsRollService``) and reads them.
    public let analyticsRoller: AnalyticsRoller
    public let analytics: any AnalyticsRepository
    /// Background exports and imports, and the signed links that download exports.
    public let dataJobs: any DataJobRepository
    let exportLinks: ExportLinks
    /// Third-party apps, their codes and tokens (OAuth 2.0).
    public let oauth: any OAuthRepository
    /// API calls and active customers against each partner's plan.
    let usage: UsageMeter
    let partnerTokens: PartnerTokens
    let passwords: PasswordHasher
    /// This node's WebSocket subscribers, and the bus that reaches every node's.
    let realtimeHub: RealtimeHub
    let realtime: any RealtimeBus
    /// Opened by ``buildApplication(services:logger:beforeServing:)`` once migrations ran.
    public let migrated = StartupGate()
    /// What the background loops last did, for the health endpoint.
    let heartbeats: Heartbeats
    let authenticator: CredentialAuthenticator
    let rateLimits: RateLimits
    /// The root logger, at ``AppConfig/logLevel``.
    public let logger: Logger
    /// The time every repository and service reads; tests may pin it.
    public let clock: any WallClock

    /// Every logger of the services derives from `logger` (its level and handler), with
    /// a `component` metadata key naming the part that logs.
    public init(
        config: AppConfig,
        database: any DatabaseClient,
        logger: Logger = Logger(label: "loyalty"),
        clock: any WallClock = SystemWallClock()
    ) {
        self.config = config
        self.logger = logger
        self.clock = clock
        self.heartbeats = Heartbeats(clock: clock)
        self.database = database
        self.tenants = SQLTenantRepository(database: database, clock: clock)
        self.customers = SQLCustomerRepository(database: database, clock: clock)
        let programCache = ProgramCache()
        self.ledger = SQLLedgerRepository(database: database, programs: programCache, clock: clock)
        self.programs = SQLProgramRepository(database: database, cache: programCache, clock: clock)
        self.sweeper = LotSweeper(database: database, ledger: ledger, programs: programCache)
        self.idempotency = SQLIdempotencyRepository(database: database, clock: clock)
        self.webhooks = SQLWebhookRepository(database: database, clock: clock)
        self.events = SQLEventRepository(database: database)
        self.webhookTargets = WebhookTargetPolicy(allowLoopback: config.webhookAllowLoopback)
        self.dispatcher = WebhookDispatcher(
            database: database,
            events: events,
            config: config,
            targets: webhookTargets,
            clock: clock,
            logger: logger.component("webhooks")
        )
        self.authenticator = CredentialAuthenticator(
            tenants: tenants,
            environment: config.environment,
            cacheSeconds: config.credentialCacheSeconds,
            clock: clock
        )
        self.rateLimits = RateLimits(
            shop: RateLimiter(perMinute: config.shopRateLimitPerMinute),
            partner: RateLimiter(limit: config.partnerRateLimitPerHour, windowSeconds: 3600),
            member: RateLimiter(perMinute: config.memberRateLimitPerMinute)
        )
        self.cards = SQLCardRepository(database: database, clock: clock)
        self.signingKeys = SQLSigningKeyRepository(database: database, clock: clock)
        self.offers = SQLOfferRepository(database: database, clock: clock)
        self.coupons = SQLCouponRepository(database: database, programs: programCache, clock: clock)
        self.games = SQLGameRepository(database: database, programs: programCache, clock: clock)
        self.catalog = SQLCatalogRepository(database: database, clock: clock)
        self.couponQR = CouponQR(keys: KeyRing(purpose: "coupon_qr", keyBytes: 32, repository: signingKeys, clock: clock))
        self.qrSessions = SQLQRSessionRepository(database: database)
        self.cardTokens = CardTokens(
            keys: KeyRing(purpose: "card_token", keyBytes: 32, repository: signingKeys, clock: clock),
            defaultTTLSeconds: config.cardTokenTTLSeconds
        )
        self.customerTokens = CustomerTokens(
            keys: KeyRing(purpose: "customer_jwt", keyBytes: 64, repository: signingKeys, clock: clock),
            refreshTokens: SQLRefreshTokenRepository(database: database, table: .customers, clock: clock),
            accessTTLSeconds: config.customerTokenTTLSeconds,
            refreshTTLSeconds: config.refreshTokenTTLDays * 86_400
        )
        self.partners = SQLPartnerRepository(database: database, clock: clock)
        self.partnerUsers = SQLPartnerUserRepository(database: database, clock: clock)
        self.auditLog = SQLAuditLogRepository(database: database, clock: clock)
        self.partnerCustomers = SQLPartnerCustomerViews(database: database)
        self.cardTemplates = SQLCardTemplateRepository(database: database, clock: clock)
        self.privacy = SQLCustomerPrivacyRepository(database: database, clock: clock)
        self.pointSharing = SQLPointSharingRepository(database: database, clock: clock)
        self.analyticsRoller = AnalyticsRoller(database: database, clock: clock)
        self.analytics = SQLAnalyticsRepository(database: database, clock: clock)
        self.dataJobs = SQLDataJobRepository(database: database, clock: clock)
        self.oauth = SQLOAuthRepository(database: database, clock: clock)
        self.exportLinks = ExportLinks(keys: KeyRing(purpose: "export_url", keyBytes: 64, repository: signingKeys, clock: clock))
        self.usage = UsageMeter(repository: SQLUsageRepository(database: database, clock: clock), clock: clock)
        self.partnerTokens = PartnerTokens(
            keys: KeyRing(purpose: "partner_jwt", keyBytes: 64, repository: signingKeys, clock: clock),
            refreshTokens: SQLRefreshTokenRepository(database: database, table: .partnerUsers, clock: clock),
            users: partnerUsers,
            accessTTLSeconds: config.partnerTokenTTLSeconds,
            refreshTTLSeconds: config.partnerRefreshTokenTTLDays * 86_400
        )
        self.passwords = PasswordHasher(cost: config.passwordHashCost)
        self.realtimeHub = RealtimeHub(maxConnections: config.realtimeMaxConnections)
        if let channel = database.notifications {
            self.realtime = PostgresRealtimeBus(database: channel, logger: logger.component("realtime"))
        } else {
            self.realtime = LocalRealtimeBus(hub: realtimeHub)
        }
    }

    /// Opens the configured database (creating the SQLite data directory if needed).
    public static func openDatabase(_ config: AppConfig, logger: Logger) async throws -> any DatabaseClient {
        // SQLKit logs every statement with its binds at debug level, and binds carry
        // webhook secrets: the database layer never logs below info.
        var logger = logger
        if logger.logLevel < .info { logger.logLevel = .info }
        if let url = config.databaseURL {
            return try PostgresDatabaseClient(
                url: url,
                maximumConnections: config.postgresMaxConnections,
                deadlineSeconds: config.databaseTimeoutSeconds,
                logger: logger
            )
        }
        try FileManager.default.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true)
        let path = (config.dataDirectory as NSString).appendingPathComponent("loyalty.sqlite")
        return try await SQLiteClient.open(path: path, logger: logger)
    }
}

extension Logger {
    /// The same logger (handler and level) with `component` set: one logging set-up
    /// covers every part of the server.
    public func component(_ name: String) -> Logger {
        var copy = self
        copy[metadataKey: "component"] = .string(name)
        return copy
    }

    /// The logger every command starts from: level from the configuration.
    public static func loyalty(_ config: AppConfig, atLeast floor: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: "loyalty")
        logger.logLevel = max(config.logLevel, floor)
        return logger
    }
}

/// A freshly created shop with its one-time secret, as `shop create` and the first
/// start print it.
public struct ProvisionedShop: Sendable {
    public var partner: Partner
    public var shop: Shop
    public var template: CardTemplate
    public var credential: ApiCredential
    public var secret: String
}

extension AppServices {
    /// Creates a partner (unless `partnerID` names one), a shop, the default card
    /// template and an API credential for this server's environment.
    public func provisionShop(name: String, partnerID: Int64? = nil, environment: DeploymentEnvironment? = nil) async throws -> ProvisionedShop {
        let partner: Partner
        if let partnerID, let existing = try await tenants.partner(id: partnerID) {
            partner = existing
        } else {
            partner = try await tenants.createPartner(name: name)
        }
        let shop = try await tenants.createShop(partnerID: partner.id, name: name, address: nil, city: nil, isVirtual: false)
        let existingTemplate = try await tenants.templates(
            partnerID: partner.id,
            filter: TemplateFilter(isActive: true),
            page: PageRequest(page: 1, perPage: 1)
        ).items.first
        let template: CardTemplate
        if let existingTemplate {
            template = existingTemplate
        } else {
            template = try await tenants.createDefaultTemplate(partnerID: partner.id, title: "\(name) card")
        }
        let (credential, secret) = try await tenants.createCredential(
            partnerID: partner.id,
            shopID: shop.id,
            environment: environment ?? config.environment,
            name: "default",
            expiresAt: nil
        )
        return ProvisionedShop(partner: partner, shop: shop, template: template, credential: credential, secret: secret)
    }
}
