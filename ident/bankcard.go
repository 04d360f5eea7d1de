package ident

// Bank card numbers (PAN) are 12 to 19 digits long.
const (
	minBankCardLen = 12
	maxBankCardLen = 19
)

// luhnValid reports whether a digit string passes the Luhn (mod 10) check.
func luhnValid(d string) bool {
	return luhnSum(d, false)%10 == 0
}

// luhnSum returns the Luhn sum of d. If appending is true, d lacks its
// check digit and doubling starts with the last digit of d.
func luhnSum(d string, appending bool) int {
	sum := 0
	double := appending
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum
}

func bankCardDigits(s string) string {
	return clean(s, func(r rune) bool { return r == '-' })
}

// ParseBankCard validates a bank card number and returns its digits.
//
// White space and dashes are removed and full-width digits folded; the
// result must be 12 to 19 digits and pass the Luhn check. Debit cards issued
// under UnionPay (银联) rules, including nearly all payroll cards, satisfy
// Luhn, so a failure almost always means a typing error. A few legacy cards
// do not; registering those needs an out-of-band exception, not this
// function.
func ParseBankCard(s string) (string, error) {
	d := bankCardDigits(s)
	if d == "" {
		return "", newErr(CodeEmpty, "银行卡号不能为空")
	}
	if !allDigits(d) {
		return "", newErr(CodeInvalidBankCard, "银行卡号只能包含数字")
	}
	if len(d) < minBankCardLen || len(d) > maxBankCardLen {
		return "", newErr(CodeInvalidBankCard, "银行卡号应为12至19位数字")
	}
	if !luhnValid(d) {
		return "", newErr(CodeInvalidBankCard, "银行卡号校验失败，请核对是否有输错的数字")
	}
	return d, nil
}

// BankCardCheckDigit computes the Luhn check digit to append to partial (11
// to 18 digits, separators allowed) to form a valid card number. Use it to
// generate card numbers for tests and seed data.
func BankCardCheckDigit(partial string) (byte, error) {
	d := bankCardDigits(partial)
	if d == "" {
		return 0, newErr(CodeEmpty, "银行卡号不能为空")
	}
	if !allDigits(d) {
		return 0, newErr(CodeInvalidBankCard, "银行卡号只能包含数字")
	}
	if len(d) < minBankCardLen-1 || len(d) > maxBankCardLen-1 {
		return 0, newErr(CodeInvalidBankCard, "银行卡号（不含校验位）应为11至18位数字")
	}
	return byte('0' + (10-luhnSum(d, true)%10)%10), nil
}
