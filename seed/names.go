package seed

import "strings"

// Vocabulary for synthetic but realistic Chinese names and labels. Nothing
// here names a real person or company; any likeness is coincidental.

// surnames with rough relative frequencies (per mille of the population).
var surnames = []struct {
	name string
	w    float64
}{
	{"王", 71}, {"李", 70}, {"张", 67}, {"刘", 54}, {"陈", 45}, {"杨", 31}, {"黄", 22}, {"赵", 20},
	{"吴", 20}, {"周", 19}, {"徐", 15}, {"孙", 15}, {"马", 14}, {"朱", 13}, {"胡", 13}, {"郭", 12},
	{"何", 12}, {"高", 11}, {"林", 11}, {"罗", 10}, {"郑", 9}, {"梁", 9}, {"谢", 8}, {"宋", 7},
	{"唐", 7}, {"许", 7}, {"韩", 7}, {"冯", 6}, {"邓", 6}, {"曹", 6}, {"彭", 6}, {"曾", 6},
	{"肖", 6}, {"田", 5}, {"董", 5}, {"袁", 5}, {"潘", 5}, {"于", 5}, {"蒋", 5}, {"蔡", 5},
	{"余", 5}, {"杜", 5}, {"叶", 5}, {"程", 5}, {"苏", 4}, {"魏", 4}, {"吕", 4}, {"丁", 4},
	{"任", 4}, {"沈", 4}, {"姚", 4}, {"卢", 4}, {"姜", 4}, {"崔", 4}, {"钟", 3}, {"谭", 3},
	{"陆", 3}, {"汪", 3}, {"范", 3}, {"金", 3}, {"石", 3}, {"廖", 3}, {"贾", 3}, {"夏", 3},
	{"韦", 3}, {"付", 3}, {"方", 3}, {"白", 3}, {"邹", 3}, {"孟", 3}, {"熊", 3}, {"秦", 3},
	{"邱", 3}, {"江", 3}, {"尹", 3}, {"薛", 2}, {"闫", 2}, {"段", 2}, {"雷", 2}, {"侯", 2},
	{"龙", 2}, {"史", 2}, {"陶", 2}, {"黎", 2}, {"贺", 2}, {"顾", 2}, {"毛", 2}, {"郝", 2},
	{"龚", 2}, {"邵", 2}, {"万", 2}, {"钱", 2}, {"严", 2}, {"覃", 2}, {"武", 2}, {"戴", 2},
	{"莫", 2}, {"孔", 2}, {"向", 2}, {"汤", 2}, {"欧阳", 0.5}, {"司马", 0.2}, {"诸葛", 0.1},
}

var surnameWeights = func() []float64 {
	w := make([]float64, len(surnames))
	for i, s := range surnames {
		w[i] = s.w
	}
	return w
}()

var (
	maleGiven   = []rune("建国军明华伟强平林海东文志勇杰涛斌刚峰磊超辉鹏波宇浩俊飞成龙春德福贵永红兵生荣新金山云江忠庆光友武祥发宝学良中长富全顺安彬亮晨凯旭阳帅")
	femaleGiven = []rune("秀英华兰芳玉珍丽梅娟红霞燕萍琴敏静婷雪艳慧凤莲桂春翠云洁丹琳月香")
)

// personName returns a name of one surname and one or two given-name
// characters.
func personName(r *rng, male bool) string {
	var b strings.Builder
	b.WriteString(surnames[r.weighted(surnameWeights)].name)
	pool := femaleGiven
	if male {
		pool = maleGiven
	}
	b.WriteRune(pool[r.IntN(len(pool))])
	if r.chance(0.72) {
		b.WriteRune(pool[r.IntN(len(pool))])
	}
	return b.String()
}

// townNames are the towns and streets (镇街) of the synthetic city, with
// their codes. The first is the well-known demo town.
var townNames = []struct{ code, name string }{
	{"330101", "城东街道"}, {"330102", "城西街道"}, {"330103", "城南街道"}, {"330104", "城北街道"},
	{"330105", "湖滨街道"}, {"330106", "临江街道"}, {"330107", "新港镇"}, {"330108", "江南镇"},
	{"330109", "西山镇"}, {"330110", "东湖镇"}, {"330111", "桥头镇"}, {"330112", "白沙镇"},
}

// townShort drops the 街道/镇 suffix: 城东街道 → 城东.
func townShort(name string) string {
	name = strings.TrimSuffix(name, "街道")
	return strings.TrimSuffix(name, "镇")
}

var roads = []string{"解放路", "人民路", "建设路", "中山路", "文化路", "湖滨路", "江南大道", "新华路", "学院路",
	"环保路", "迎宾大道", "环城北路", "环城南路", "滨江路", "工业大道", "科技路", "青年路", "广场路", "体育路", "望江路", "东湖路", "西山路"}

// Enterprise trade names (字号) are built from two characters.
var (
	tradeFirst  = []rune("宏鼎华恒中东永金博正德天盛长远振安嘉汇明锦富兴荣泰瑞广万信昌顺宝伟隆腾凯润鸿国银亚众精坤绿弘卓合方海同")
	tradeSecond = []rune("达盛建通天方安城远泰昌成世江大华禾明程业合和丰厦信顺兴鑫飞泽运宇川创基源发利诚峰晟祥越辉")
	entRegions  = []string{"安城", "安城", "安城", "安城", "浙江", "江苏", "安徽", "中建", "中铁", "上海", "四川", "河南"}
	entSuffixes = map[string][]string{
		"builder":            {"置业有限公司", "房地产开发有限公司", "城市建设投资集团有限公司", "交通投资有限公司", "水务集团有限公司", "实业有限公司", "产业园开发有限公司"},
		"general_contractor": {"建设集团有限公司", "建工集团有限公司", "建筑工程有限公司", "市政工程有限公司", "路桥建设有限公司"},
		"subcontractor":      {"幕墙工程有限公司", "装饰工程有限公司", "钢结构工程有限公司", "机电安装工程有限公司", "消防工程有限公司", "防水工程有限公司"},
		"labour_firm":        {"劳务有限公司", "建筑劳务有限公司", "劳务分包有限公司", "建筑劳务服务有限公司"},
		"supervisor":         {"工程监理有限公司", "建设监理咨询有限公司", "工程管理咨询有限公司"},
	}
	// regionDivision is the division code a credit code carries for an
	// enterprise registered in that region (local ones use their town).
	regionDivision = map[string]string{
		"浙江": "330000", "江苏": "320100", "安徽": "340100", "中建": "110000", "中铁": "110000",
		"上海": "310000", "四川": "510100", "河南": "410100",
	}
)

// Projects.
var (
	estateNames  = []string{"锦绣苑", "江南府", "翠湖园", "金色家园", "阳光城", "春晓苑", "和园", "桂语里", "湖畔花园", "云栖里", "望江府", "枫林苑", "紫荆花园", "新城家园", "滨江一品", "书香苑"}
	housingKinds = []string{"安置房", "人才公寓", "住宅小区", "保障性住房", "商业综合体", "产业园标准厂房", "写字楼"}
	publicKinds  = []string{"学校教学楼", "医院门诊楼", "社区服务中心", "文化中心", "体育中心", "养老服务中心"}
	rivers       = []string{"东江", "西溪", "白沙河", "清水河", "运河", "南湖", "北塘河", "钱湖"}
	phases       = []string{"一期", "二期", "三期", "四期"}
	industries   = []string{"housing", "municipal", "transport", "water", "energy", "other"}
	industryW    = []float64{55, 20, 10, 6, 4, 5}
)

// Teams: trade label, per-worker trade, daily wage range in yuan, and
// whether the trade is paid on measured quantities (记工计量).
var trades = []struct {
	team, worker   string
	wageLo, wageHi int
	piece          bool
	item, unit     string
	perDayMilli    int // typical quantity per day, thousandths of the unit
}{
	{"木工班组", "木工", 380, 480, true, "模板安装", "平方米", 18000},
	{"钢筋班组", "钢筋工", 350, 460, true, "钢筋制作安装", "吨", 900},
	{"泥工班组", "瓦工", 340, 450, true, "砌体砌筑", "立方米", 4500},
	{"架子班组", "架子工", 380, 480, false, "", "", 0},
	{"水电班组", "水电工", 350, 450, false, "", "", 0},
	{"油漆班组", "油漆工", 300, 400, true, "墙面涂料", "平方米", 40000},
	{"普工班组", "普工", 260, 330, false, "", "", 0},
	{"焊工班组", "焊工", 380, 480, false, "", "", 0},
	{"混凝土班组", "混凝土工", 320, 420, false, "", "", 0},
	{"装饰班组", "装饰工", 330, 440, false, "", "", 0},
}

var banks = []struct {
	bin, name string
	length    int
}{
	{"622202", "中国工商银行", 19}, {"621226", "中国工商银行", 19}, {"621700", "中国建设银行", 19},
	{"622700", "中国建设银行", 19}, {"622848", "中国农业银行", 19}, {"621661", "中国银行", 19},
	{"622262", "交通银行", 19}, {"621483", "招商银行", 16}, {"622188", "中国邮政储蓄银行", 19},
	{"623091", "浙江农商银行", 19},
}

var accountBanks = []string{"中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "交通银行", "浙江农商银行", "招商银行"}

var mobilePrefixes = []string{"130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
	"150", "151", "152", "153", "155", "156", "157", "158", "159", "166", "173", "177",
	"180", "181", "182", "183", "185", "186", "187", "188", "189", "191", "198", "199"}

// provinceWeights: where the city's construction workers come from. Codes
// not listed get weight 0.3 (from ident.ProvinceCodes; Taiwan, Hong Kong and
// Macao are excluded as their residents hold other documents).
var provinceWeights = map[string]float64{
	"33": 15, "34": 14, "41": 12, "51": 11, "52": 8, "36": 8, "43": 6, "42": 5, "50": 4, "53": 3,
	"45": 2, "37": 2, "32": 2, "61": 2, "62": 2, "13": 1, "14": 1, "35": 1, "44": 0.5,
}

var exitReasons = []string{"合同期满", "个人原因离职", "工序完成撤场", "班组调整", "家庭原因返乡"}

var (
	activityTitles = map[string][]string{
		"publicity":  {"《保障农民工工资支付条例》宣讲", "安薪普法进工地", "农民工维权知识讲座", "欠薪线索举报渠道宣传"},
		"mediation":  {"欠薪纠纷现场调解", "班组工资争议调解", "退场结算纠纷调解"},
		"inspection": {"在建项目工资支付走访检查", "维权公示牌现场核查", "实名制考勤抽查"},
		"other":      {"安薪之家开放日", "农民工法律服务咨询日", "安薪监督员培训"},
	}
	activityKinds = []string{"publicity", "mediation", "inspection", "other"}
	activityW     = []float64{40, 20, 30, 10}
)
