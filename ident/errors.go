package ident

// Stable error codes. They are part of the API contract: clients may switch
// on them, so never rename one.
const (
	CodeEmpty             = "empty"               // nothing but white space was given
	CodeInvalidLength     = "invalid_length"      // wrong number of characters
	CodeInvalidCharacter  = "invalid_character"   // a character outside the allowed set
	CodeInvalidCheckDigit = "invalid_check_digit" // the check digit/character does not match
	CodeInvalidBirthDate  = "invalid_birth_date"  // not a calendar date, or before 1900
	CodeFutureBirthDate   = "future_birth_date"   // birth date after "now"
	CodeUnknownProvince   = "unknown_province"    // first two digits are not a province-level code
	CodeInvalidPhone      = "invalid_phone"       // any problem with a phone number
	CodeInvalidBankCard   = "invalid_bank_card"   // any problem with a bank card number
)

// Error is the only error type returned by this package.
//
// Code is a stable English snake_case identifier (one of the Code*
// constants); Message is a complete sentence in Simplified Chinese suitable
// for end users. Message does not contain the field name.
type Error struct {
	Code    string
	Message string
}

// Error returns the Chinese message, so that the error can be shown to a
// user directly.
func (e *Error) Error() string { return e.Message }

// Is reports whether target is an *Error with the same Code, so that
// errors.Is(err, ident.ErrInvalidCheckDigit) works regardless of which
// identifier produced the error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && e != nil && t.Code == e.Code
}

// Sentinels for errors.Is. Their messages are generic; the errors actually
// returned carry a message specific to the identifier being parsed.
var (
	ErrEmpty             = &Error{CodeEmpty, "不能为空"}
	ErrInvalidLength     = &Error{CodeInvalidLength, "长度不正确"}
	ErrInvalidCharacter  = &Error{CodeInvalidCharacter, "含有非法字符"}
	ErrInvalidCheckDigit = &Error{CodeInvalidCheckDigit, "校验位错误"}
	ErrInvalidBirthDate  = &Error{CodeInvalidBirthDate, "出生日期无效"}
	ErrFutureBirthDate   = &Error{CodeFutureBirthDate, "出生日期不能晚于当前日期"}
	ErrUnknownProvince   = &Error{CodeUnknownProvince, "省级行政区划代码无效"}
	ErrInvalidPhone      = &Error{CodeInvalidPhone, "电话号码格式不正确"}
	ErrInvalidBankCard   = &Error{CodeInvalidBankCard, "银行卡号无效"}
)

func newErr(code, msg string) *Error { return &Error{Code: code, Message: msg} }
