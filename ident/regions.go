package ident

// provinces maps the first two digits of a resident ID number (and of any
// GB/T 2260 administrative division code) to the province-level division.
var provinces = map[string]string{
	"11": "北京市",
	"12": "天津市",
	"13": "河北省",
	"14": "山西省",
	"15": "内蒙古自治区",
	"21": "辽宁省",
	"22": "吉林省",
	"23": "黑龙江省",
	"31": "上海市",
	"32": "江苏省",
	"33": "浙江省",
	"34": "安徽省",
	"35": "福建省",
	"36": "江西省",
	"37": "山东省",
	"41": "河南省",
	"42": "湖北省",
	"43": "湖南省",
	"44": "广东省",
	"45": "广西壮族自治区",
	"46": "海南省",
	"50": "重庆市",
	"51": "四川省",
	"52": "贵州省",
	"53": "云南省",
	"54": "西藏自治区",
	"61": "陕西省",
	"62": "甘肃省",
	"63": "青海省",
	"64": "宁夏回族自治区",
	"65": "新疆维吾尔自治区",
	"71": "台湾省",
	"81": "香港特别行政区",
	"82": "澳门特别行政区",
}

// ProvinceName returns the name of the province-level division with the
// given two-digit code, and whether the code is known.
func ProvinceName(code string) (string, bool) {
	name, ok := provinces[code]
	return name, ok
}

// ProvinceCodes returns a copy of the full table of the 34 province-level
// divisions, keyed by two-digit code.
func ProvinceCodes() map[string]string {
	m := make(map[string]string, len(provinces))
	for k, v := range provinces {
		m[k] = v
	}
	return m
}
