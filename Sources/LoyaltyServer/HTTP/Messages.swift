import Foundation

/// Localised message templates. `{name}` placeholders are filled from the arguments.
enum Messages {
    static let table: [String: (en: String, lt: String)] = [
        "ok": ("OK", "Gerai"),
        "login_failed": ("Email or password is incorrect.", "Neteisingas el. paštas arba slaptažodis."),
        "login_ok": ("Signed in", "Prisijungta"),
        "account_locked": (
            "Too many failed sign-ins; try again in {seconds} s.", "Per daug nesėkmingų bandymų prisijungti; bandykite po {seconds} s."
        ),
        "totp_required": (
            "This account uses a second factor: send totp_code from your authenticator app.",
            "Ši paskyra naudoja antrą veiksnį: atsiųskite totp_code iš autentifikavimo programėlės."
        ),
        "totp_invalid": ("The authenticator code is wrong or was used already.", "Autentifikavimo kodas neteisingas arba jau panaudotas."),
        "totp_not_started": ("Start the second-factor set-up first (totp/setup).", "Pirmiausia pradėkite antro veiksnio sąranką (totp/setup)."),
        "totp_enabled": ("Second factor enabled", "Antras veiksnys įjungtas"),
        "totp_disabled": ("Second factor disabled", "Antras veiksnys išjungtas"),
        "password_changed": ("Password changed; sign in again", "Slaptažodis pakeistas; prisijunkite iš naujo"),
        "password_wrong": ("The current password is incorrect.", "Dabartinis slaptažodis neteisingas."),
        "partner_token_invalid": ("The partner token is invalid or expired.", "Partnerio raktas neteisingas arba nebegalioja."),
        "partner_token_required": (
            "Sign in first: send Authorization: Bearer <partner token>.",
            "Pirmiausia prisijunkite: siųskite Authorization: Bearer <partnerio raktas>."
        ),
        "role_forbidden": ("Your role ({role}) may not do this; it needs {needed}.", "Jūsų rolė ({role}) negali to atlikti; reikia: {needed}."),
        "user_token_required": (
            "This route needs a partner user's token; API credentials are not accepted here.",
            "Šiam maršrutui reikia partnerio naudotojo rakto; API prisijungimo duomenys čia netinka."
        ),
        "partner_inactive": ("This partner is deactivated.", "Šis partneris išjungtas."),
        "partner_not_found": ("Partner not found.", "Partneris nerastas."),
        "partner_user_not_found": ("Partner user not found.", "Partnerio naudotojas nerastas."),
        "email_taken": ("A user with this email exists.", "Naudotojas su šiuo el. paštu jau yra."),
        "last_owner": (
            "The partner must keep at least one active owner.", "Partneris turi turėti bent vieną aktyvų savininką."
        ),
        "partner_deactivated": ("Partner deactivated", "Partneris išjungtas"),
        "shop_deactivated": ("Shop deactivated", "Parduotuvė išjungta"),
        "credentials_valid": ("Credentials are valid", "Prisijungimo duomenys galioja"),
        "credentials_required": ("API key and secret are required.", "Būtini API raktas ir slaptažodis."),
        "key_format": ("Invalid API key format. Must start with \"lty_\".", "Neteisingas API rakto formatas. Jis turi prasidėti \"lty_\"."),
        "credentials_invalid": ("Invalid API credentials.", "Neteisingi API prisijungimo duomenys."),
        "credentials_expired": ("API credentials expired.", "API prisijungimo duomenų galiojimas baigėsi."),
        "credentials_environment": (
            "These API credentials are for the {env} environment; this server is {server}.",
            "Šie API prisijungimo duomenys skirti {env} aplinkai; šis serveris yra {server}."
        ),
        "shop_id_mismatch": ("Shop-ID does not belong to these credentials.", "Shop-ID nepriklauso šiems prisijungimo duomenims."),
        "rate_limited": ("Too many requests. Retry after {seconds} seconds.", "Per daug užklausų. Bandykite po {seconds} s."),
        "not_found": ("The requested resource was not found.", "Prašomas išteklius nerastas."),
        "unknown_locale": ("Unknown locale \"{locale}\"; use lt or en.", "Nežinoma kalba \"{locale}\"; naudokite lt arba en."),
        "validation_failed": ("The given data was invalid.", "Pateikti duomenys neteisingi."),
        "malformed_json": ("The request body is not valid JSON: {detail}", "Užklausos turinys nėra tinkamas JSON: {detail}"),
        "body_not_object": ("The request body must be a JSON object.", "Užklausos turinys turi būti JSON objektas."),
        "body_too_large": ("The request body is larger than {limit} bytes.", "Užklausos turinys didesnis nei {limit} baitų."),
        "body_too_large_any": ("The request body is too large.", "Užklausos turinys per didelis."),
        "internal_error": ("Internal server error.", "Vidinė serverio klaida."),
        "unavailable": ("The service is temporarily unavailable; retry later.", "Paslauga laikinai nepasiekiama; bandykite vėliau."),
        "user_not_found": ("User not found", "Vartotojas nerastas"),
        "customer_not_found": ("Customer with ID '{id}' not found", "Klientas su ID '{id}' nerastas"),
        "card_not_found": ("Loyalty card not found", "Lojalumo kortelė nerasta"),
        "v_datetime": (
            "The {field} must be an ISO 8601 date-time or a YYYY-MM-DD date.",
            "Laukas {field} turi būti ISO 8601 data ir laikas arba YYYY-MM-DD data."
        ),
        "card_expired": ("The loyalty card has expired.", "Lojalumo kortelės galiojimas baigėsi."),
        "card_exists": ("The customer already has a card from this template.", "Klientas jau turi šio šablono kortelę."),
        "qr_invalid": ("The QR code is not a valid loyalty card code ({reason}).", "QR kodas nėra tinkamas lojalumo kortelės kodas ({reason})."),
        "qr_expired": ("The QR code has expired; show a fresh one.", "QR kodo galiojimas baigėsi; parodykite naują."),
        "qr_session_not_found": ("QR session expired or not found", "QR sesija nebegalioja arba nerasta"),
        "qr_session_expired": ("QR session expired", "QR sesijos galiojimas baigėsi"),
        "qr_session_used": ("The QR session was already used.", "QR sesija jau panaudota."),
        "refresh_invalid": (
            "The refresh token is invalid, expired or already used.", "Atnaujinimo raktas neteisingas, nebegalioja arba jau panaudotas."
        ),
        "token_required": ("A customer token is required: Authorization: Bearer <token>.", "Būtinas kliento raktas: Authorization: Bearer <raktas>."),
        "token_invalid": ("The customer token is invalid or expired.", "Kliento raktas neteisingas arba nebegalioja."),
        "qr_too_long": (
            "The data does not fit in a QR code at level {level}: {bytes} bytes, at most {capacity}.",
            "Duomenys netelpa į QR kodą lygiu {level}: {bytes} baitų, daugiausia {capacity}."
        ),
        "card_blocked_done": ("The card was blocked.", "Kortelė užblokuota."),
        "card_unblocked": ("The card was unblocked.", "Kortelė atblokuota."),
        "card_issued": ("The card was issued.", "Kortelė išduota."),
        "qr_login_created": ("QR login session created", "QR prisijungimo sesija sukurta"),
        "qr_card_created": ("QR card session created", "QR kortelės sesija sukurta"),
        "realtime_config": ("Realtime configuration", "Realaus laiko konfigūracija"),
        "logged_out": ("Logged out", "Atsijungta"),
        "card_inactive": ("The loyalty card is blocked.", "Lojalumo kortelė užblokuota."),
        "template_not_found": ("Loyalty card not found", "Lojalumo kortelė nerasta"),
        "no_template": (
            "The partner has no active auto-assign card template.", "Partneris neturi aktyvaus automatiškai priskiriamo kortelės šablono."
        ),
        "shop_not_found": ("Shop not found", "Parduotuvė nerasta"),
        "duplicate_order": ("Transaction already processed for this order", "Šio užsakymo operacija jau atlikta"),
        "original_not_found": ("No purchase found for order '{order}'", "Užsakymo '{order}' pirkimas nerastas"),
        "refund_refused": (
            "Refund refused: {needed} points were already spent and only {available} are available",
            "Grąžinimas atmestas: {needed} taškų jau išleista, turima tik {available}"
        ),
        "unsupported_type": ("This transaction type cannot be posted here", "Šio tipo operacijos čia registruoti negalima"),
        "activity_not_configured": ("Activity {activity} is not part of the programme", "Veiklos {activity} programoje nėra"),
        "activity_cap": (
            "Activity {activity} already reached its limit for this {period}", "Veikla {activity} jau pasiekė šio laikotarpio ({period}) ribą"
        ),
        "tier_unknown": ("Tier {tier} is not defined in the programme", "Lygis {tier} programoje neapibrėžtas"),
        "same_customer": ("Points cannot be transferred to the same customer", "Taškų negalima pervesti tam pačiam klientui"),
        "program_updated": ("Programme updated", "Programa atnaujinta"),
        "webhook_limit": ("A partner can have at most {max} webhook endpoints", "Partneris gali turėti ne daugiau kaip {max} webhook adresų"),
        "webhook_inactive": (
            "The webhook endpoint is disabled; re-enable it with is_active: true first",
            "Webhook adresas išjungtas; pirmiausia įjunkite jį (is_active: true)"
        ),
        "delivery_pending": ("The delivery is still queued or being attempted", "Pristatymas dar laukia eilėje arba vykdomas"),
        "cursor_expired": (
            "Events after this cursor were removed by retention; restart from the oldest available cursor (after=0)",
            "Įvykiai po šio žymeklio pašalinti pagal saugojimo terminą; pradėkite iš naujo (after=0)"
        ),
        "webhook_not_found": ("Webhook not found", "Webhook nerastas"),
        "body_timeout": ("The request body did not arrive within {seconds} s", "Užklausos turinys neatkeliavo per {seconds} s"),
        "method_not_allowed": ("Method not allowed here; allowed: {methods}", "Šis metodas čia neleidžiamas; leidžiami: {methods}"),
        "delivery_not_found": ("Delivery not found", "Pristatymas nerastas"),
        "webhook_created": (
            "Webhook created. Store the secret now: it is not shown again.", "Webhook sukurtas. Išsaugokite slaptažodį dabar: jis daugiau nerodomas."
        ),
        "webhook_updated": ("Webhook updated", "Webhook atnaujintas"),
        "webhook_deleted": ("Webhook deleted", "Webhook ištrintas"),
        "secret_rotated": ("Secret rotated. The old secret no longer signs deliveries.", "Slaptažodis pakeistas. Senasis nebegalioja."),
        "delivery_queued": ("Delivery queued", "Pristatymas įtrauktas į eilę"),
        "url_scheme": ("{field} must be an https URL", "{field} turi būti https adresas"),
        "url_invalid": ("{field} is not a valid URL", "{field} nėra tinkamas URL"),
        "url_blocked": (
            "{field} points at a private, loopback or metadata address ({detail})",
            "{field} nukreiptas į privatų, vietinį ar metaduomenų adresą ({detail})"
        ),
        "url_unresolvable": ("{field} host cannot be resolved", "{field} adreso nepavyksta rasti"),
        "event_unknown": ("{field} contains an unknown event: {event}", "{field} yra nežinomas įvykis: {event}"),
        "cursor_invalid": ("{field} must be a cursor returned by this feed", "{field} turi būti šio srauto žymeklis"),
        "points_transferred": ("Points transferred", "Taškai pervesti"),
        "points_adjusted": ("Points adjusted", "Taškai pakoreguoti"),
        "activity_recorded": ("Activity recorded", "Veikla užregistruota"),
        "tier_set": ("Tier updated", "Lygis atnaujintas"),
        "nothing_to_refund": ("The order's points were already fully reversed", "Užsakymo taškai jau visiškai grąžinti"),
        "insufficient_points": (
            "Insufficient points: {available} available, {requested} requested", "Nepakanka taškų: turima {available}, prašoma {requested}"
        ),
        "redemption_disabled": ("Points redemption is disabled for this card", "Šiai kortelei taškų panaudojimas išjungtas"),
        "redemption_min": ("At least {min} points must be redeemed at once", "Vienu kartu reikia panaudoti bent {min} taškų"),
        "redemption_max": ("At most {max} points can be redeemed at once", "Vienu kartu galima panaudoti ne daugiau kaip {max} taškų"),
        "reservation_not_found": ("Reservation not found", "Rezervacija nerasta"),
        "reservation_exists": ("An active reservation already exists for this order", "Šiam užsakymui jau yra aktyvi rezervacija"),
        "reservation_not_active": ("The reservation is already {status}", "Rezervacija jau {status}"),
        "duplicate_customer": ("A customer with this {field} already exists", "Klientas su tokiu {field} jau yra"),
        "idempotency_mismatch": ("Idempotency-Key was already used with a different request", "Idempotency-Key jau panaudotas kitai užklausai"),
        "idempotency_in_progress": ("A request with this Idempotency-Key is still being processed", "Užklausa su šiuo Idempotency-Key dar vykdoma"),
        "idempotency_key_invalid": ("Idempotency-Key must be 1-255 printable characters", "Idempotency-Key turi būti 1–255 spausdinamų simbolių"),
        "points_awarded": ("Points awarded successfully", "Taškai sėkmingai suteikti"),
        "points_reversed": ("Transaction reversed successfully", "Operacija sėkmingai atšaukta"),
        "points_deducted": ("Points deducted successfully", "Taškai sėkmingai nurašyti"),
        "bulk_done": ("Bulk award processed: {ok} awarded, {failed} failed", "Masinis suteikimas atliktas: suteikta {ok}, nepavyko {failed}"),
        "reserved": ("Points reserved", "Taškai rezervuoti"),
        "released": ("Reservation released", "Rezervacija atšaukta"),
        "customer_created": ("Customer created", "Klientas sukurtas"),
        "lookup_required": (
            "At least one of card_id, card_number, or user_id is required", "Būtinas bent vienas iš card_id, card_number arba user_id"
        ),
        "one_of_required": ("One of {fields} is required", "Būtinas vienas iš {fields}"),
        "v_not_zero": ("The {field} field must not be zero.", "Laukas {field} negali būti nulis."),
        "v_future": ("The {field} field must be in the future.", "Laukas {field} turi būti ateityje."),
        "v_required": ("The {field} field is required.", "Laukas {field} yra privalomas."),
        "v_control_chars": ("The {field} field must not contain control characters.", "Lauke {field} negali būti valdymo simbolių."),
        "v_string": ("The {field} field must be a string.", "Laukas {field} turi būti tekstas."),
        "v_max_length": ("The {field} field must not be longer than {max} characters.", "Laukas {field} negali būti ilgesnis nei {max} simbolių."),
        "v_integer": ("The {field} field must be an integer.", "Laukas {field} turi būti sveikasis skaičius."),
        "v_min": ("The {field} field must be at least {min}.", "Laukas {field} turi būti ne mažesnis nei {min}."),
        "v_max": ("The {field} field must not be greater than {max}.", "Laukas {field} negali būti didesnis nei {max}."),
        "v_money": (
            "The {field} field must be a number with at most 2 decimal places, between 0 and 1000000000000.",
            "Laukas {field} turi būti skaičius su ne daugiau kaip 2 skaitmenimis po kablelio, nuo 0 iki 1000000000000."
        ),
        "v_between": ("The {field} field must be between {min} and {max}.", "Laukas {field} turi būti nuo {min} iki {max}."),
        "v_after": ("The {field} field must be after {other}.", "Laukas {field} turi būti vėlesnis nei {other}."),
        "offer_not_found": ("Offer not found", "Pasiūlymas nerastas"),
        "game_not_found": ("Game not found", "Žaidimas nerastas"),
        "game_session_not_found": ("Game session not found", "Žaidimo sesija nerasta"),
        "game_not_playable": ("Game not playable: {reason}", "Žaidimo žaisti negalima: {reason}"),
        "game_wrong_type": ("This endpoint serves {type} games only.", "Šis veiksmas skirtas tik {type} žaidimams."),
        "game_session_expired": ("Game session has expired", "Žaidimo sesijos laikas baigėsi"),
        "game_reward_claimed": ("Reward already claimed", "Prizas jau atsiimtas"),
        "stamp_visit_limit": (
            "At most {limit} stamps may be added in one visit.", "Per vieną apsilankymą galima pridėti ne daugiau kaip {limit} spaudų."
        ),
        "stamp_day_limit": (
            "The card may get at most {limit} stamps a day ({today} already today).",
            "Kortelė per dieną gali gauti ne daugiau kaip {limit} spaudų (šiandien jau {today})."
        ),
        "stamp_not_positive": ("The stamps_count field must be at least 1.", "Laukas stamps_count turi būti ne mažesnis nei 1."),
        "game_already_completed": (
            "The card has already completed this game; restart it first.", "Kortelė jau užbaigė šį žaidimą; pirmiausia jį atnaujinkite."
        ),
        "game_active_coupon": (
            "The member already holds an active coupon from this game.", "Narys jau turi aktyvų šio žaidimo kuponą."
        ),
        "game_prize_offer": ("The prize's offer was not found among the partner's offers.", "Prizo pasiūlymas nerastas tarp partnerio pasiūlymų."),
        "game_question_not_found": ("No such question in this quiz.", "Tokio klausimo šioje viktorinoje nėra."),
        "game_invalid_type": ("Invalid game type provided", "Neteisingas žaidimo tipas"),
        "games_listed": ("Game list retrieved successfully", "Žaidimų sąrašas gautas"),
        "game_retrieved": ("Game retrieved successfully", "Žaidimas gautas"),
        "game_progress": ("Game progress retrieved successfully", "Žaidimo eiga gauta"),
        "stamps_added": ("Stamps added successfully", "Spaudai pridėti"),
        "game_completed_now": ("Game completed!", "Žaidimas užbaigtas!"),
        "game_completed": ("Game completed successfully", "Žaidimas sėkmingai užbaigtas"),
        "game_restarted": ("Game restarted successfully", "Žaidimas pradėtas iš naujo"),
        "card_games": ("Card games retrieved successfully", "Kortelės žaidimai gauti"),
        "card_game_history": ("Customer game history retrieved successfully", "Kliento žaidimų istorija gauta"),
        "game_session_started": ("Game session started", "Žaidimo sesija pradėta"),
        "game_session_updated": ("Game progress updated", "Žaidimo eiga atnaujinta"),
        "game_reward_granted": ("Reward claimed successfully", "Prizas atsiimtas"),
        "game_created": ("Game created successfully", "Žaidimas sukurtas"),
        "game_updated": ("Game updated successfully", "Žaidimas atnaujintas"),
        "game_deleted": ("Game deleted successfully", "Žaidimas ištrintas"),
        "game_toggled": ("Game status toggled successfully", "Žaidimo būsena pakeista"),
        "game_image_uploaded": ("Image uploaded successfully", "Paveikslėlis įkeltas"),
        "image_too_large": ("The image must not be larger than {max}.", "Paveikslėlis negali būti didesnis nei {max}."),
        "image_type": ("The image must be a PNG, JPEG, GIF or WebP file.", "Paveikslėlis turi būti PNG, JPEG, GIF arba WebP failas."),
        "offer_inactive": ("The offer is not active.", "Pasiūlymas neaktyvus."),
        "offer_not_started": ("The offer has not started yet.", "Pasiūlymas dar neprasidėjo."),
        "offer_expired": ("The offer has expired.", "Pasiūlymo galiojimas baigėsi."),
        "offer_sold_out": ("The offer is sold out.", "Pasiūlymas išparduotas."),
        "tier_not_eligible": ("The offer is not available for the member's tier.", "Pasiūlymas neskirtas nario lygiui."),
        "offer_limit_reached": (
            "The member has already claimed this offer the maximum number of times.", "Narys jau išnaudojo šio pasiūlymo limitą."
        ),
        "offer_claimed": ("Offer claimed", "Pasiūlymas gautas"),
        "offer_created": ("Offer created", "Pasiūlymas sukurtas"),
        "offer_updated": ("Offer updated", "Pasiūlymas atnaujintas"),
        "offer_deleted": ("Offer deleted", "Pasiūlymas ištrintas"),
        "coupon_not_found": ("Coupon not found", "Kuponas nerastas"),
        "coupon_used": ("The coupon has already been used.", "Kuponas jau panaudotas."),
        "coupon_expired": ("The coupon has expired.", "Kupono galiojimas baigėsi."),
        "coupon_cancelled": ("The coupon was cancelled.", "Kuponas atšauktas."),
        "coupon_pending_elsewhere": ("The coupon is pending at another shop.", "Kuponas rezervuotas kitoje parduotuvėje."),
        "coupon_not_pending": ("The coupon is not in pending status.", "Kuponas nėra rezervuotas."),
        "coupon_not_pending_here": ("The coupon is not pending at this shop.", "Kuponas nerezervuotas šioje parduotuvėje."),
        "coupon_wrong_shop": ("The coupon is not valid at this shop.", "Kuponas negalioja šioje parduotuvėje."),
        "product_selection_required": ("Choose a product for this coupon (selected_product_id).", "Pasirinkite kupono prekę (selected_product_id)."),
        "product_not_selectable": ("The product cannot be chosen for this coupon.", "Šios prekės negalima pasirinkti šiam kuponui."),
        "coupon_cancel_too_late": (
            "A coupon cannot be cancelled within 24 hours of its expiry.", "Kupono negalima atšaukti likus mažiau nei 24 val. iki galiojimo pabaigos."
        ),
        "coupon_minimum_purchase": ("The coupon needs a purchase of at least {minimum}.", "Kuponui reikia bent {minimum} pirkinio."),
        "coupon_purchase_only": ("A coupon can only be applied to a purchase.", "Kuponas taikomas tik pirkiniui."),
        "coupon_needs_total": (
            "The order_total is required when a coupon is applied.", "Taikant kuponą, privaloma nurodyti order_total."
        ),
        "coupon_valid": ("Coupon is valid", "Kuponas galioja"),
        "coupon_redeemed": ("Coupon redeemed", "Kuponas panaudotas"),
        "coupon_pending": ("Coupon reserved for this shop", "Kuponas rezervuotas šiai parduotuvei"),
        "coupon_pending_cancelled": ("Coupon reservation released", "Kupono rezervacija atšaukta"),
        "coupon_cancelled_ok": ("Coupon cancelled", "Kuponas atšauktas"),
        "import_not_found": ("Import record not found", "Importo įrašas nerastas"),
        "import_deleted": ("Import record deleted", "Importo įrašas ištrintas"),
        "xml_import_failed": ("XML import failed: {detail}", "XML importas nepavyko: {detail}"),
        "xml_too_large": ("The XML file is larger than {limit} bytes.", "XML failas didesnis nei {limit} baitų."),
        "xml_url_refused": ("The feed URL is not allowed: {detail}", "Šaltinio URL neleidžiamas: {detail}"),
        "xml_imported": ("XML import finished", "XML importas baigtas"),
        "v_colour": ("The {field} field must be a colour like #29594B.", "Laukas {field} turi būti spalva, pvz. #29594B."),
        "v_image_uri": (
            "The {field} field must be an image as a data: URI (or an https URL for a background).",
            "Laukas {field} turi būti paveikslėlis data: URI pavidalu (arba https URL fonui)."
        ),
        "v_foreign_shop": ("The {field} field names a shop that is not yours ({id}).", "Lauke {field} nurodyta ne jūsų parduotuvė ({id})."),
        "import_done": (
            "Import processed: {ok} created, {duplicates} already there, {failed} failed",
            "Importas atliktas: sukurta {ok}, jau buvo {duplicates}, nepavyko {failed}"
        ),
        "points_not_shared": (
            "This shop cannot redeem the member's points: they are not shared with the member's home shop.",
            "Ši parduotuvė negali panaudoti nario taškų: jie nebendrinami su nario pagrindine parduotuve."
        ),
        "settings_updated": ("Settings updated", "Nustatymai atnaujinti"),
        "quota_exceeded": (
            "The plan's monthly quota for {metric} ({quota}) is used up.", "Plano mėnesio kvota ({metric}, {quota}) išnaudota."
        ),
        "plan_updated": ("Plan updated", "Planas atnaujintas"),
        "customer_erased": ("Customer's personal data erased", "Kliento asmens duomenys ištrinti"),
        "card_deleted": ("Card template deleted", "Kortelės šablonas ištrintas"),
        "v_url": ("The {field} field must be an http(s) URL.", "Laukas {field} turi būti http(s) URL adresas."),
        "password_short": ("The {field} must be at least 10 characters.", "Laukas {field} turi būti bent 10 simbolių."),
        "password_long": ("The {field} must not be longer than 72 bytes.", "Laukas {field} negali būti ilgesnis nei 72 baitai."),
        "password_weak": ("The {field} must use at least 4 different characters.", "Lauke {field} turi būti bent 4 skirtingi simboliai."),
        "v_in": ("The {field} field must be one of: {values}.", "Laukas {field} turi būti vienas iš: {values}."),
        "v_email": ("The {field} field must be a valid email address.", "Laukas {field} turi būti teisingas el. pašto adresas."),
        "v_currency": (
            "The {field} field must be a supported ISO 4217 currency code.", "Laukas {field} turi būti palaikomas ISO 4217 valiutos kodas."
        ),
        "v_boolean": ("The {field} field must be true or false.", "Laukas {field} turi būti true arba false."),
        "v_object": ("The {field} field must be an object.", "Laukas {field} turi būti objektas."),
        "v_unique": ("The {field} field must be unique and must not start with #.", "Laukas {field} turi būti unikalus ir negali prasidėti #."),
        "v_array": ("The {field} field must be an array.", "Laukas {field} turi būti masyvas."),
        "v_max_items": ("The {field} field must not have more than {max} items.", "Laukas {field} negali turėti daugiau nei {max} elementų."),
        "insufficient_scope": (
            "The app's token does not grant this: it needs the scope {scope}.",
            "Programėlės prieigos raktas to neleidžia: reikia teisės {scope}."
        ),
        "oauth_client_not_found": ("App not found", "Programėlė nerasta"),
        "oauth_client_created": ("App registered; its owner must approve it", "Programėlė užregistruota; ją turi patvirtinti savininkas"),
        "oauth_client_updated": ("App updated", "Programėlė atnaujinta"),
        "oauth_client_revoked": (
            "A revoked app cannot be approved again: register it anew.", "Atšauktos programėlės negalima patvirtinti: užregistruokite iš naujo."
        ),
        "v_redirect_uri": (
            "The {field} must be https URLs (http only for 127.0.0.1 or localhost) without a fragment.",
            "{field} turi būti https adresai (http tik 127.0.0.1 ar localhost) be fragmento."
        ),
        "v_scope": ("The {field} field lists unknown scopes.", "Laukas {field} nurodo nežinomas teises."),
        "export_not_found": ("Export not found", "Eksportas nerastas"),
        "download_link_invalid": (
            "The download link is invalid or has expired: read the export again for a fresh link.",
            "Atsisiuntimo nuoroda neteisinga arba nebegalioja: gaukite naują nuorodą iš eksporto."
        ),
        "export_expired": ("The export's file has expired: start a new export.", "Eksporto failas nebegalioja: pradėkite naują eksportą."),
        "export_queued": ("Export started", "Eksportas pradėtas"),
        "export_deleted": ("Export deleted", "Eksportas ištrintas"),
        "import_queued": ("Import started", "Importas pradėtas"),
        "import_too_large": ("The file is larger than {max}.", "Failas didesnis nei {max}."),
        "v_utf8_csv": ("The {field} must be a UTF-8 CSV file.", "{field} turi būti UTF-8 CSV failas."),
        "v_range_days": ("The range may cover at most {max} days.", "Laikotarpis gali apimti ne daugiau kaip {max} dienų."),
        "v_range_buckets": (
            "The interval gives more than {max} periods for this range: choose a longer one.",
            "Šiam laikotarpiui intervalas duoda daugiau nei {max} periodų: pasirinkite ilgesnį."
        ),
        "v_date": ("The {field} field must be a date (YYYY-MM-DD).", "Laukas {field} turi būti data (YYYY-MM-DD)."),
        "v_card_number": (
            "The {field} field must be a card number (XXX-XXX-XXX) or a card QR code.",
            "Laukas {field} turi būti kortelės numeris (XXX-XXX-XXX) arba kortelės QR kodas."
        ),
    ]

    static func text(_ key: String, _ locale: APILocale, _ args: [String: String] = [:]) -> String {
        let pair = table[key] ?? (key, key)
        var s = locale == .lt ? pair.lt : pair.en
        for (k, v) in args { s = s.replacingOccurrences(of: "{\(k)}", with: v) }
        return s
    }
}
