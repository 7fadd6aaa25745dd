import HTTPTypes
import Hummingbird
import Logging
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// Turns any error into the API's answer. Business errors keep their meaning; anything
/// unexpected becomes a 500 whose details stay in the log, never in the body.
enum ErrorMapping {
    static func apiError(_ error: any Error, logger: Logger) -> APIError {
        switch error {
        case let e as APIError: return e
        case let e as LoyaltyError: return map(e)
        case let e as RewardError: return map(e)
        case let e as GameError: return map(e)
        case is DatabaseUnavailableError:
            logger.error("database unavailable: \(error)")
            return .unavailable
        case let e as HTTPError:
            switch e.status {
            case .contentTooLarge:
                return APIError(status: .contentTooLarge, code: 1104, stringCode: .payloadTooLarge, messageKey: "body_too_large_any")
            case .notFound: return .notFound()
            case .methodNotAllowed: return APIError(status: .methodNotAllowed, code: 1000, stringCode: .methodNotAllowed, messageKey: "not_found")
            default:
                return APIError(status: e.status, code: Int(e.status.code), stringCode: .httpError, messageKey: e.body ?? "internal_error")
            }
        default:
            logger.error("unhandled error: \(String(reflecting: error))")
            return .unexpected
        }
    }

    static func map(_ error: LoyaltyError) -> APIError {
        switch error {
        case .customerNotFound: return .notFound("user_not_found", code: 1201, stringCode: .customerNotFound)
        case .cardNotFound: return .notFound("card_not_found", code: 1200, stringCode: .cardNotFound)
        case .cardInactive: return APIError(status: .badRequest, code: 1210, stringCode: .businessCardBlocked, messageKey: "card_inactive")
        case .shopNotFound: return .notFound("shop_not_found", code: 1204, stringCode: .shopNotFound)
        case .templateNotFound: return .notFound("template_not_found", code: 1200, stringCode: .cardNotFound)
        case .noCardTemplate: return APIError(status: .unprocessableContent, code: 1205, stringCode: .noCardTemplate, messageKey: "no_template")
        case let .duplicateTransaction(id): return .conflict("duplicate_order", code: 1300, details: [("transaction_id", .int(id))])
        case let .originalTransactionNotFound(order):
            return .notFound(
                "original_not_found",
                code: 1202,
                stringCode: .transactionNotFound,
                args: ["order": order],
                details: [("order_id", .string(order))]
            )
        case .nothingToRefund: return .conflict("nothing_to_refund", code: 1301, stringCode: .alreadyReversed)
        case let .insufficientPoints(available, requested):
            return APIError(
                status: .badRequest,
                code: 1400,
                stringCode: .insufficientPoints,
                messageKey: "insufficient_points",
                args: ["available": String(available), "requested": String(requested)],
                details: [("available_points", .int(available)), ("requested_points", .int(requested))]
            )
        case let .redemptionNotAllowed(v):
            switch v {
            case .disabled: return APIError(status: .badRequest, code: 1401, stringCode: .redemptionDisabled, messageKey: "redemption_disabled")
            case let .belowMinimum(m):
                return APIError(
                    status: .badRequest,
                    code: 1402,
                    stringCode: .redemptionBelowMinimum,
                    messageKey: "redemption_min",
                    args: ["min": String(m)]
                )
            case let .aboveMaximum(m):
                return APIError(
                    status: .badRequest,
                    code: 1403,
                    stringCode: .redemptionAboveMaximum,
                    messageKey: "redemption_max",
                    args: ["max": String(m)]
                )
            }
        case .reservationNotFound: return .notFound("reservation_not_found", code: 1203, stringCode: .reservationNotFound)
        case let .reservationAlreadyExists(id): return .conflict("reservation_exists", code: 1302, details: [("reservation_id", .int(id))])
        case let .reservationNotActive(status):
            return .conflict("reservation_not_active", code: 1303, stringCode: .invalidState, args: ["status": status])
        case let .duplicateCustomer(field):
            return .conflict(
                "duplicate_customer",
                code: 1304,
                stringCode: .duplicateCustomer,
                args: ["field": field],
                details: [("field", .string(field))]
            )
        case let .refundRefused(needed, available):
            return .conflict(
                "refund_refused",
                code: 1307,
                stringCode: .refundRefused,
                args: ["needed": String(needed), "available": String(available)],
                details: [("points_needed", .int(needed)), ("available_points", .int(available))]
            )
        case .unsupportedTransactionType:
            return APIError(status: .unprocessableContent, code: 1100, stringCode: .validationError, messageKey: "unsupported_type")
        case let .activityNotConfigured(key):
            return .notFound(
                "activity_not_configured",
                code: 1206,
                stringCode: .activityNotFound,
                args: ["activity": key],
                details: [("activity", .string(key))]
            )
        case let .activityCapReached(key, period):
            return .conflict(
                "activity_cap",
                code: 1308,
                stringCode: .activityLimitReached,
                args: ["activity": key, "period": period],
                details: [("activity", .string(key)), ("period", .string(period))]
            )
        case let .tierUnknown(name):
            return APIError(
                status: .unprocessableContent,
                code: 1100,
                stringCode: .validationError,
                messageKey: "tier_unknown",
                args: ["tier": name],
                fieldErrors: [("tier", [Messages.text("tier_unknown", .en, ["tier": name])])]
            )
        case let .negativeBalanceNotAllowed(available, requested):
            return APIError(
                status: .badRequest,
                code: 1400,
                stringCode: .insufficientPoints,
                messageKey: "insufficient_points",
                args: ["available": String(available), "requested": String(requested)],
                details: [("available_points", .int(available)), ("requested_points", .int(requested))]
            )
        case .itemFailed: return .unavailable
        case .sameCustomer:
            return APIError(
                status: .unprocessableContent,
                code: 1100,
                stringCode: .validationError,
                messageKey: "same_customer",
                fieldErrors: [("to_customer_id", [Messages.text("same_customer", .en)])]
            )
        case let .webhookLimitReached(n):
            return APIError(
                status: .unprocessableContent,
                code: 1310,
                stringCode: .webhookLimitReached,
                messageKey: "webhook_limit",
                args: ["max": String(n)],
                details: [("max_webhooks", .int(Int64(n)))]
            )
        case .webhookInactive: return .conflict("webhook_inactive", code: 1311, stringCode: .webhookInactive)
        case let .pointsNotShared(home):
            return APIError(
                status: .forbidden,
                code: 1213,
                stringCode: .pointsNotShared,
                messageKey: "points_not_shared",
                details: [("home_shop_id", .int(home)), ("reason", .string("point_sharing"))]
            )
        case .deliveryPending: return .conflict("delivery_pending", code: 1312, stringCode: .deliveryPending)
        case .cursorExpired: return APIError(status: .gone, code: 1313, stringCode: .cursorExpired, messageKey: "cursor_expired")
        case .cardExpired: return APIError(status: .badRequest, code: 1211, stringCode: .businessCardExpired, messageKey: "card_expired")
        case let .cardAlreadyExists(id):
            return .conflict("card_exists", code: 1314, stringCode: .cardAlreadyExists, details: [("loyalty_card_id", .int(id))])
        case let .qrInvalid(reason):
            return APIError(
                status: .unprocessableContent,
                code: 1315,
                stringCode: .qrInvalid,
                messageKey: "qr_invalid",
                args: ["reason": reason],
                details: [("reason", .string(reason))]
            )
        case .qrExpired: return APIError(status: .gone, code: 1316, stringCode: .qrExpired, messageKey: "qr_expired")
        case .qrSessionNotFound: return .notFound("qr_session_not_found", code: 1317, stringCode: .qrSessionNotFound)
        case .qrSessionExpired: return APIError(status: .gone, code: 1318, stringCode: .resourceExpired, messageKey: "qr_session_expired")
        case .qrSessionUsed: return .conflict("qr_session_used", code: 1319)
        case .refreshTokenInvalid: return .unauthorized("refresh_invalid", code: 1102, stringCode: .invalidRefreshToken)
        }
    }

    static func map(_ error: RewardError) -> APIError {
        switch error {
        case .offerNotFound: return .notFound("offer_not_found", code: 1206, stringCode: .offerNotFound)
        case let .offerUnavailable(why):
            let (status, code): (HTTPResponse.Status, ErrorCode) =
                switch why {
                case .expired: (.badRequest, .offerExpired)
                case .soldOut: (.conflict, .offerSoldOut)
                case .limitReached: (.conflict, .offerAlreadyClaimed)
                case .tierNotEligible: (.forbidden, .tierRequirementNotMet)
                case .inactive, .notStarted: (.badRequest, .offerNotAvailable)
                }
            return APIError(status: status, code: 1310, stringCode: code, messageKey: why.rawValue, details: [("reason", .string(why.rawValue))])
        case .couponNotFound: return .notFound("coupon_not_found", code: 1207, stringCode: .couponNotFound)
        case .couponAlreadyUsed: return APIError(status: .conflict, code: 1311, stringCode: .couponAlreadyUsed, messageKey: "coupon_used")
        case .couponExpired: return APIError(status: .badRequest, code: 1312, stringCode: .couponExpired, messageKey: "coupon_expired")
        case .couponCancelled: return APIError(status: .badRequest, code: 1313, stringCode: .couponCancelled, messageKey: "coupon_cancelled")
        case .couponPendingElsewhere:
            return APIError(status: .conflict, code: 1314, stringCode: .operationNotAllowed, messageKey: "coupon_pending_elsewhere")
        case .couponNotPending: return APIError(status: .conflict, code: 1314, stringCode: .operationNotAllowed, messageKey: "coupon_not_pending")
        case .couponNotPendingHere: return APIError(status: .forbidden, code: 1005, stringCode: .forbidden, messageKey: "coupon_not_pending_here")
        case .couponNotValidAtShop: return APIError(status: .forbidden, code: 1005, stringCode: .forbidden, messageKey: "coupon_wrong_shop")
        case .productSelectionRequired:
            return APIError(
                status: .unprocessableContent,
                code: 1100,
                stringCode: .productSelectionRequired,
                messageKey: "product_selection_required"
            )
        case .productNotSelectable:
            return APIError(status: .unprocessableContent, code: 1100, stringCode: .productNotSelectable, messageKey: "product_not_selectable")
        case .cancelTooLate:
            return APIError(status: .unprocessableContent, code: 1314, stringCode: .operationNotAllowed, messageKey: "coupon_cancel_too_late")
        case .importNotFound: return .notFound("import_not_found", code: 1208, stringCode: .resourceNotFound)
        case let .belowMinimumPurchase(minimum):
            return APIError(
                status: .unprocessableContent,
                code: 1314,
                stringCode: .operationNotAllowed,
                messageKey: "coupon_minimum_purchase",
                args: ["minimum": Money.decimalString(minor: minimum)],
                details: [("minimum_purchase", .money(minimum))]
            )
        }
    }

    static func map(_ error: GameError) -> APIError {
        switch error {
        case .gameNotFound: return .notFound("game_not_found", code: 1209, stringCode: .resourceNotFound)
        case .sessionNotFound: return .notFound("game_session_not_found", code: 1212, stringCode: .resourceNotFound)
        case let .notPlayable(why):
            let reason = playReason(why)
            return APIError(
                status: .forbidden,
                code: 1320,
                stringCode: .gameNotPlayable,
                messageKey: "game_not_playable",
                args: ["reason": reason],
                details: [("reason", .string(reason))]
            )
        case let .wrongType(expected):
            return APIError(
                status: .unprocessableContent,
                code: 1321,
                stringCode: .operationNotAllowed,
                messageKey: "game_wrong_type",
                args: ["type": expected]
            )
        case .sessionExpired: return APIError(status: .gone, code: 1323, stringCode: .gameSessionExpired, messageKey: "game_session_expired")
        case .rewardAlreadyClaimed: return .conflict("game_reward_claimed", code: 1324, stringCode: .rewardAlreadyClaimed)
        case let .stamps(refusal):
            switch refusal {
            case .nonPositive: return .validation([("stamps_count", [Messages.text("stamp_not_positive", .en)])])
            case let .overVisitLimit(limit):
                return APIError(
                    status: .unprocessableContent,
                    code: 1325,
                    stringCode: .stampLimitReached,
                    messageKey: "stamp_visit_limit",
                    args: ["limit": String(limit)],
                    details: [("per_visit_limit", .int(limit))]
                )
            case let .overDayLimit(limit, today):
                return APIError(
                    status: .unprocessableContent,
                    code: 1325,
                    stringCode: .stampLimitReached,
                    messageKey: "stamp_day_limit",
                    args: ["limit": String(limit), "today": String(today)],
                    details: [("per_day_limit", .int(limit)), ("stamps_today", .int(today))]
                )
            case .cardCompleted: return .conflict("game_already_completed", code: 1326, stringCode: .gameAlreadyCompleted)
            }
        case .alreadyCompleted: return .conflict("game_already_completed", code: 1326, stringCode: .gameAlreadyCompleted)
        case .activeCouponHeld: return .conflict("game_active_coupon", code: 1327, stringCode: .operationNotAllowed)
        case let .prizeOfferNotFound(position):
            return .validation([("prizes.\(position).offer_id", [Messages.text("game_prize_offer", .en)])])
        case .questionNotFound: return .validation([("answers", [Messages.text("game_question_not_found", .en)])])
        }
    }

    /// The wire name of why a game cannot be played (`details.reason`, `play_restriction`).
    static func playReason(_ why: PlayRefusal) -> String {
        switch why {
        case .inactive: "inactive"
        case .notStarted: "not_started"
        case .ended: "ended"
        case .dailyLimitReached: "daily_limit_reached"
        case .totalLimitReached: "total_limit_reached"
        case .notAtShop: "not_at_shop"
        case .notSessionGame: "not_a_session_game"
        }
    }
}

/// Outermost middleware: stamps `X-Request-Id` on every response, picks the locale
/// from the path, and renders any error that escaped a handler (unknown routes
/// included) as the error envelope.
struct EnvelopeMiddleware: RouterMiddleware {
    typealias Context = LoyaltyRequestContext
    /// The served routes, to answer 405 with `Allow` (rather than 404) when a path
    /// exists under other methods. Read at request time, after registration.
    var routes: RouteRecorder?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let incoming = request.headers[HeaderName.requestID], incoming.count <= 64, !incoming.isEmpty,
            incoming.utf8.allSatisfy({ $0 > 32 && $0 < 127 })
        {
            context.requestID = incoming
        }
        if request.uri.path.hasPrefix("/lt/") { context.locale = .lt }
        // Every line logged while serving this request carries its id.
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        let started: ContinuousClock.Instant? = context.logger.logLevel <= .debug ? .now : nil
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            var apiError = ErrorMapping.apiError(error, logger: context.logger)
            if let allowed = routes?.methods(matching: request.uri.path), !allowed.isEmpty {
                apiError = APIError(
                    status: .methodNotAllowed,
                    code: 1000,
                    stringCode: .methodNotAllowed,
                    messageKey: "method_not_allowed",
                    args: ["methods": allowed.joined(separator: ", ")]
                )
                apiError.headers[.allow] = allowed.joined(separator: ", ")
            }
            response = Envelope.response(
                status: apiError.status,
                body: Envelope.error(apiError, requestID: context.requestID, locale: context.locale),
                headers: apiError.headers
            )
        } catch {
            let apiError = ErrorMapping.apiError(error, logger: context.logger)
            response = Envelope.response(
                status: apiError.status,
                body: Envelope.error(apiError, requestID: context.requestID, locale: context.locale),
                headers: apiError.headers
            )
        }
        response.headers[HeaderName.requestID] = context.requestID
        if let started {
            context.logger.debug(
                "request",
                metadata: [
                    "method": .string(request.method.rawValue), "path": .string(request.uri.path),
                    "status": .stringConvertible(response.status.code),
                    "ms": .stringConvertible(HealthEndpoint.milliseconds(started.duration(to: .now))),
                ]
            )
        }
        return response
    }

}
