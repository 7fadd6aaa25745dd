import HTTPTypes
import LoyaltyModels

/// An error answer: HTTP status, numeric application code (the real API's `code`),
/// string code (the seed FAQ's `error.code`), a localised message and optional
/// per-field errors and details.
struct APIError: Error {
    var status: HTTPResponse.Status
    var code: Int
    var stringCode: ErrorCode
    var messageKey: String
    var args: [String: String] = [:]
    /// Field name -> localised messages (validation only).
    var fieldErrors: [(String, [String])] = []
    var details: [(String, JSON)] = []
    var headers: HTTPFields = [:]

    func message(_ locale: APILocale) -> String {
        if messageKey == "validation_failed", let first = fieldErrors.first?.1.first {
            let more = fieldErrors.reduce(0) { $0 + $1.1.count } - 1
            if more > 0 { return first + (locale == .lt ? " (ir dar \(more) klaidų)" : " (and \(more) more error\(more == 1 ? "" : "s"))") }
            return first
        }
        return Messages.text(messageKey, locale, args)
    }

    static func notFound(
        _ key: String = "not_found",
        code: Int = 1000,
        stringCode: ErrorCode = .resourceNotFound,
        args: [String: String] = [:],
        details: [(String, JSON)] = []
    ) -> APIError {
        APIError(status: .notFound, code: code, stringCode: stringCode, messageKey: key, args: args, details: details)
    }

    static func unauthorized(_ key: String, code: Int, stringCode: ErrorCode = .invalidCredentials, args: [String: String] = [:]) -> APIError {
        APIError(status: .unauthorized, code: code, stringCode: stringCode, messageKey: key, args: args)
    }

    static func badRequest(_ key: String, code: Int = 1100, stringCode: ErrorCode = .badRequest, args: [String: String] = [:]) -> APIError {
        APIError(status: .badRequest, code: code, stringCode: stringCode, messageKey: key, args: args)
    }

    static func conflict(
        _ key: String,
        code: Int,
        stringCode: ErrorCode = .resourceAlreadyExists,
        args: [String: String] = [:],
        details: [(String, JSON)] = []
    ) -> APIError {
        APIError(status: .conflict, code: code, stringCode: stringCode, messageKey: key, args: args, details: details)
    }

    static func validation(_ fields: [(String, [String])]) -> APIError {
        APIError(status: .unprocessableContent, code: 1100, stringCode: .validationError, messageKey: "validation_failed", fieldErrors: fields)
    }

    static let partnerInactive = APIError(status: .forbidden, code: 1109, stringCode: .partnerInactive, messageKey: "partner_inactive")
    static let unexpected = APIError(status: .internalServerError, code: 1500, stringCode: .internalError, messageKey: "internal_error")
    static let unavailable = APIError(status: .serviceUnavailable, code: 1503, stringCode: .serviceUnavailable, messageKey: "unavailable")
}
