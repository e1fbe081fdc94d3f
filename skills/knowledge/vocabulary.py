"""Words that mark a message as being about health, fitness, sleep or nutrition.

Used only by :func:`skills.knowledge.scoring.score` to tell "why do muscles get sore?" (ours) from
"who won the 1998 world cup?" (a question, but not about health). The list is deliberately broad:
a false match only means the skill searches and then says it has nothing reliable, while a miss
sends a real question to the fallback. Words are compared after :func:`text.stem`.
"""

from __future__ import annotations

from assistant.nlu import BODY_PARTS, SYMPTOMS
from skills.knowledge.text import stem

_WORDS = """
health healthy unhealthy wellbeing wellness fitness fit exercise exercising workout training
train trainer run running runner jog jogging walk walking hike swim swimming cycling cycle bike
yoga pilates stretch stretching warm-up warmup cooldown mobility flexibility balance posture
squat squats deadlift lunge lunges plank pushup pushups pullup pullups press bench weights
weightlifting lifting lift strength resistance cardio aerobic anaerobic hiit interval intervals
zone zones heart rate pulse bpm vo2 vo2max endurance stamina marathon sprint steps sedentary
sitting muscle muscles hypertrophy soreness doms cramp cramps tendon tendons ligament ligaments
joint joints bone bones cartilage injury injuries sprain sprains sprained strain strained
fracture tendinitis tendonitis bursitis shin splints plantar fasciitis rest recovery deload
protein proteins carb carbs carbohydrate carbohydrates fat fats fibre fiber calorie calories
kcal diet diets dieting nutrition nutrient nutrients vitamin vitamins mineral minerals iron
calcium magnesium zinc potassium folate omega supplement supplements creatine caffeine coffee
tea alcohol hangover water hydration dehydration dehydrated electrolytes salt sodium sugar
sugars sweetener food foods eat eating meal meals snack breakfast fasting intermittent
vegetarian vegan keto gluten lactose dairy fruit vegetables weight overweight obesity obese bmi
waist metabolism metabolic
sleep sleeping slept insomnia nap naps melatonin snoring apnoea apnea circadian jet lag tired
stress stressed anxiety anxious depression depressed mood mental burnout mindfulness meditation
breathing relaxation loneliness
cold colds flu influenza fever temperature cough coughs sore throat virus viral bacteria
bacterial infection infections antibiotic antibiotics vaccine vaccines vaccination immune
immunity allergy allergies allergic hay asthma inhaler eczema psoriasis acne rash skin sunburn
sunscreen sun mole moles wart warts shingles chickenpox measles mumps covid coronavirus norovirus
gastroenteritis tonsillitis sinusitis conjunctivitis earache toothache migraine headache
headaches pain painkiller painkillers paracetamol ibuprofen aspirin medicine medication
blood pressure hypertension cholesterol glucose diabetes insulin stroke cancer kidney liver lung
lungs gut digestion digestive constipation diarrhoea diarrhea ibs heartburn reflux indigestion
bloating nausea vomiting anaemia anemia thyroid osteoporosis arthritis gout menopause period
periods menstrual pregnancy fertility contraception smoking vaping nicotine screening checkup
doctor gp clinician nurse pharmacist hospital symptom symptoms contagious germs hygiene
handwashing dentist teeth gums eyes eyesight hearing
"""

DOMAIN_TERMS: frozenset[str] = frozenset(
    stem(w) for w in (*_WORDS.split(), *(w for p in (*BODY_PARTS, *SYMPTOMS) for w in p.split()))
)


def domain_hits(terms: set[str]) -> int:
    """How many of the (stemmed) ``terms`` are health or fitness words."""
    return len(terms & DOMAIN_TERMS)
