extension ReviewGrammar {
    /// Sentence templates: literal words and `{slot}` (or optional `{slot?}`) pieces.
    static let templates: [String] = [
        "the {feature} is {intens?} {adj}",
        "this {product} is {intens?} {adj}",
        "i {verb} this {product}",
        "the {feature} is not {nadj}",
        "it {freq} works",
        "{intens?} {adj} {feature} for the price",
        "my {person} says the {feature} is {adj}",
        "after {time} {unit} the {feature} {state}",
        "{again}",
        "{closing}",
        "compared to my old {product} , the {feature} is {comp}",
        "i am {intens?} {feel} with the {feature}",
        "the {feature} feels {adj} and the {feature} looks {adj}",
        "{adj} {product} , {adj} {feature}",
        "there is {problem} with the {feature}",
        "the {product} arrived {arrival}",
        "the {feature} works {how}",
        "honestly , the {product} is {intens?} {adj}",
    ]

    /// Word lists per slot and sentiment.
    static let slots: [String: Slot] = [
        "product": Slot(any: [
            "phone", "laptop", "blender", "headphones", "camera", "charger", "keyboard",
            "mouse", "monitor", "speaker", "kettle", "toaster", "vacuum", "backpack", "watch",
            "tablet", "printer", "router", "lamp", "chair", "microwave", "drill", "mattress",
            "jacket",
        ]),
        "feature": Slot(any: [
            "battery", "screen", "sound", "price", "design", "size", "weight", "cable",
            "button", "handle", "lid", "motor", "lens", "display", "fabric", "strap", "app",
            "software", "speed", "packaging", "manual", "color", "case", "finish", "grip",
            "fit", "setup", "charger", "signal", "remote",
        ]),
        "adj": Slot(
            positive: [
                "excellent", "amazing", "great", "wonderful", "fantastic", "perfect", "good",
                "nice", "solid", "reliable", "sturdy", "comfortable", "beautiful", "impressive",
                "superb", "lovely", "brilliant", "outstanding", "awesome", "pleasant", "smooth",
                "responsive", "durable", "elegant",
            ],
            negative: [
                "terrible", "awful", "horrible", "bad", "poor", "flimsy", "broken", "useless",
                "disappointing", "noisy", "ugly", "weak", "faulty", "mediocre", "annoying",
                "defective", "fragile", "uncomfortable", "overpriced", "cheap", "clunky",
                "unreliable", "sluggish", "dreadful",
            ],
            neutral: [
                "okay", "average", "fine", "decent", "acceptable", "standard", "basic",
                "ordinary", "normal", "typical", "reasonable", "adequate", "plain", "simple",
            ]),
        "nadj": Slot(
            positive: ["bad", "terrible", "cheap", "flimsy", "noisy", "disappointing"],
            negative: ["good", "great", "reliable", "comfortable", "sturdy", "worth it"],
            neutral: ["great", "terrible", "perfect", "awful", "special", "bad"]),
        "intens": Slot(any: [
            "very", "really", "extremely", "quite", "so", "incredibly", "pretty", "truly",
            "absolutely", "super", "rather", "fairly",
        ]),
        "verb": Slot(
            positive: ["love", "like", "recommend", "enjoy", "adore"],
            negative: ["hate", "regret buying", "dislike", "returned"],
            neutral: ["bought", "got", "use", "ordered", "received", "tried"]),
        "freq": Slot(
            positive: ["always", "reliably", "just"],
            negative: ["never", "hardly", "rarely"],
            neutral: ["usually", "sometimes", "mostly"]),
        "person": Slot(any: [
            "wife", "husband", "friend", "son", "daughter", "brother", "sister", "mother",
            "father", "kids", "boss", "neighbor",
        ]),
        "time": Slot(any: ["two", "three", "a few", "six", "ten"]),
        "unit": Slot(any: ["days", "weeks", "months"]),
        "state": Slot(
            positive: ["still works", "still looks new", "works perfectly", "runs great"],
            negative: ["broke", "stopped working", "failed", "fell apart", "died"],
            neutral: ["needed an update", "works as expected", "got a bit dirty"]),
        "again": Slot(
            positive: ["i would buy it again", "i would recommend it to a friend"],
            negative: ["i would never buy it again", "i would not recommend it"],
            neutral: ["i might buy it again", "not sure i would buy it again"]),
        "closing": Slot(
            positive: [
                "five stars", "highly recommended", "worth every penny",
                "best purchase this year", "a great deal",
            ],
            negative: [
                "one star", "a total waste of money", "avoid this one", "worst purchase ever",
                "do not buy",
            ],
            neutral: [
                "three stars", "it does the job", "nothing special", "you get what you pay for",
            ]),
        "comp": Slot(
            positive: ["better", "faster", "quieter", "lighter", "sharper"],
            negative: ["worse", "slower", "louder", "heavier", "weaker"],
            neutral: ["similar", "about the same", "no different"]),
        "feel": Slot(
            positive: ["happy", "satisfied", "pleased", "impressed", "thrilled", "delighted"],
            negative: ["unhappy", "disappointed", "annoyed", "frustrated", "upset"],
            neutral: ["okay", "fine", "neutral"]),
        "problem": Slot(
            positive: ["no problem", "nothing wrong"],
            negative: ["a problem", "a serious issue", "something wrong"],
            neutral: ["nothing special", "one small issue"]),
        "arrival": Slot(
            positive: ["early", "on time and well packed"],
            negative: ["late", "damaged", "late and damaged"],
            neutral: ["on time", "yesterday"]),
        "how": Slot(
            positive: ["perfectly", "flawlessly", "beautifully"],
            negative: ["poorly", "badly", "terribly"],
            neutral: ["as described", "as expected"]),
    ]
}
