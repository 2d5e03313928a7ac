package io.custos.cli.demo;

import java.util.List;

/** The word lists the sample data is built from. Company, project and bank-card details are invented. */
final class Vocabulary {
    static final List<City> CITIES = List.of(
            city("北京", "东城区", "110101", "西城区", "110102", "朝阳区", "110105", "海淀区", "110108"),
            city("上海", "黄浦区", "310101", "徐汇区", "310104", "静安区", "310106", "浦东新区", "310115"),
            city("广州", "越秀区", "440104", "海珠区", "440105", "天河区", "440106"),
            city("深圳", "福田区", "440304", "南山区", "440305", "宝安区", "440306"),
            city("杭州", "上城区", "330102", "西湖区", "330106", "滨江区", "330108"),
            city("南京", "玄武区", "320102", "建邺区", "320105", "鼓楼区", "320106"),
            city("成都", "锦江区", "510104", "武侯区", "510107", "成华区", "510108"),
            city("武汉", "江岸区", "420102", "武昌区", "420106", "洪山区", "420111"),
            city("西安", "新城区", "610102", "碑林区", "610103", "雁塔区", "610113"),
            city("重庆", "渝中区", "500103", "江北区", "500105", "南岸区", "500108"),
            city("天津", "和平区", "120101", "河西区", "120103", "南开区", "120104"),
            city("苏州", "虎丘区", "320505", "吴中区", "320506", "姑苏区", "320508"),
            city("长沙", "芙蓉区", "430102", "天心区", "430103", "岳麓区", "430104"),
            city("青岛", "市南区", "370202", "市北区", "370203", "崂山区", "370212"),
            city("厦门", "思明区", "350203", "湖里区", "350206"),
            city("郑州", "中原区", "410102", "金水区", "410105"));

    static final List<String> PROJECT_PREFIXES = List.of(
            "锦绣", "翠湖", "云栖", "金桂", "碧水", "紫荆", "星河", "枫林", "海棠", "御景", "阳光", "春江", "明月", "绿洲", "丽景", "玉兰", "橡树", "滨江",
            "天悦", "华府");

    static final List<String> PROJECT_SUFFIXES = List.of("花园", "苑", "华庭", "广场", "公馆", "家园", "雅居");

    static final List<String> SURNAMES = List.of(
            "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "高", "罗", "郑",
            "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "潘", "袁", "蔡", "蒋", "余", "于", "杜",
            "叶", "程", "魏", "苏", "吕", "丁", "任", "沈", "欧阳", "司马");

    static final List<String> GIVEN_NAME_CHARACTERS = List.of(
            "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞", "平", "刚",
            "桂", "英", "华", "建", "国", "文", "辉", "玲", "鹏", "宇", "浩", "欣", "怡", "婷", "雪", "琳", "晨", "阳", "博", "子", "轩",
            "梓", "涵", "思", "雨", "佳", "俊", "嘉", "睿", "宁", "晓", "志", "海", "红", "云", "飞", "斌", "凯", "瑶");

    /** Mobile prefixes in use on the mainland: 13x to 19x. */
    static final List<String> MOBILE_PREFIXES = List.of(
            "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "153",
            "155", "156", "157", "158", "159", "166", "171", "173", "175", "176", "177", "178", "180", "181", "182",
            "183", "184", "185", "186", "187", "188", "189", "191", "198", "199");

    static final List<String> ROADS = List.of(
            "人民路", "解放路", "中山路", "建设路", "和平路", "文化路", "新华路", "长江路", "黄河路", "滨江大道", "光明街", "幸福路", "青年路", "朝阳路", "胜利街",
            "学府路");

    static final List<String> COMPANY_WORDS =
            List.of("华", "瑞", "恒", "信", "达", "安", "泰", "盛", "宏", "远", "通", "鑫", "博", "创", "锦", "航", "润", "德");

    static final List<String> INDUSTRIES =
            List.of("科技", "贸易", "建设工程", "物流", "餐饮管理", "电子", "医药", "文化传媒", "咨询服务", "机械制造", "教育科技", "环保工程");

    static final List<String> BANKS =
            List.of("中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "交通银行", "招商银行", "浦发银行", "中信银行", "兴业银行", "民生银行");

    static final List<String> INVESTMENTS = List.of("基金", "银行理财", "股票", "国债", "保险", "黄金");

    static final List<String> TICKET_CATEGORIES = List.of("报修", "投诉", "咨询", "缴费", "装修申请");

    static final List<String> TICKET_STATUSES = List.of("待处理", "处理中", "已完成", "已关闭");

    static final List<String> REPAIR_ITEMS = List.of("水龙头", "门禁", "电梯按钮", "楼道灯", "下水管道", "窗户", "对讲机");

    static final List<String> COMPLAINTS = List.of("楼上噪音扰民", "车位被长期占用", "垃圾清运不及时", "宠物扰民", "绿化带无人修剪");

    static final List<String> QUESTIONS = List.of("物业费缴纳方式", "车位租赁价格", "装修审批流程", "快递代收时间", "门禁卡补办");

    static final List<String> RENOVATIONS = List.of("厨房改造", "卫生间防水", "墙面翻新", "地板更换", "阳台封闭");

    private Vocabulary() {}

    static City city(String name) {
        return CITIES.stream()
                .filter(city -> city.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Unknown city '" + name + "'"));
    }

    /** Debit account numbers: 19 digits in the UnionPay range, the bank in digits 5-6. */
    static String accountPrefix(int bankIndex) {
        return String.format("6217%02d", 10 + bankIndex);
    }

    /** Credit card numbers: 16 digits in the UnionPay range, the bank in digits 5-6. */
    static String creditCardPrefix(int bankIndex) {
        return String.format("6258%02d", 30 + bankIndex);
    }

    record District(String name, String regionCode) {}

    record City(String name, List<District> districts) {}

    private static City city(String name, String... districtsAndCodes) {
        District[] districts = new District[districtsAndCodes.length / 2];
        for (int i = 0; i < districts.length; i++) {
            districts[i] = new District(districtsAndCodes[2 * i], districtsAndCodes[2 * i + 1]);
        }
        return new City(name, List.of(districts));
    }
}
