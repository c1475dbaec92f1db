#!/usr/bin/env python3
"""Writes crates/domain/src/common_passwords.txt: the passwords umpin refuses as common or breached
(NIST SP 800-63B, 3.1.1.2), one a line, lowercase.

The list is made here from the patterns that top every published breach corpus: common words,
names, sports, places and brands; "ilove…" and "my…" phrases; keyboard walks; digit runs. It is
checked after lowercasing, taking off leading and trailing digits, symbols and spaces, and undoing
letter substitutions (p@ssw0rd), and also with the spaces and separators inside taken out, so
"Password2024!" is refused by the entry "password": the list holds the cores, not every decoration
of them.

Run: python3 scripts/common-passwords.py > crates/domain/src/common_passwords.txt
"""

WORDS = """
password passwort passwd passw0rd pass word secret letmein welcome admin administrator root login
logon master access default changeme change guest test tester testing temp temporary system
qwerty azerty qwertz dragon monkey shadow sunshine princess iloveyou trustno trustme football
baseball basketball soccer hockey golf tennis cricket rugby volleyball superman batman spiderman
ironman starwars startrek pokemon pikachu naruto matrix hunter ranger buster harley thunder
lightning killer ninja pirate cowboy soldier warrior knight wizard dragonball gandalf hobbit
mustang corvette ferrari porsche mercedes yamaha honda toyota nissan bmw chevy camaro jaguar
pepper ginger maggie buddy tigger tiger lion eagle falcon phoenix dolphin butterfly rainbow
purple yellow orange silver golden diamond crystal pearl emerald money dollar business company
office computer internet network server security private public freedom whatever nothing
something anything everything forever always never hello helloworld goodbye loveme lovely
lover angel angels babygirl babyboy baby sweetheart sweetie honey darling beautiful pretty
cutie family friends friend bestfriend brother sister mother father mommy daddy jesus christ
jesuschrist blessed godisgood heaven church faith trinity amazing awesome cool fuckyou fuckoff
asshole bitch shit sexy hottie playboy player gamer gaming minecraft fortnite roblox zelda mario
nintendo playstation xbox cookie chocolate cheese banana apple cherry strawberry peanut butter
pizza coffee summer winter spring autumn monday tuesday wednesday thursday friday saturday
sunday january february march april june july august september october november december
england london paris berlin america canada australia mexico brazil india china japan germany
france italy spain russia london newyork chicago boston dallas texas california florida
arsenal chelsea liverpool manchester united barcelona madrid juventus milan bayern celtic
rangers yankees redsox cowboys steelers packers patriots lakers bulls warriors raiders eagles
microsoft windows google facebook twitter instagram youtube amazon samsung nokia linux ubuntu
oracle cisco exchange outlook office365 voicemail telephone phone mobile iphone android
unifiedmessaging contoso fabrikam northwind company123 welcome1 qwerty123 abc123 zaq1xsw2
blink myspace hotmail yahoo gmail email mail matrix merlin mickey minnie donald goofy disney
snoopy garfield scooby tweety bunny kitty kitten puppy doggy doggie horse unicorn spider
monster zombie vampire devil demon satan lucifer angel666 hell hello123 letmein123 iloveu
ihateyou loveyou missyou kissme hugme fuckme teamo jetaime ichliebedich tequiero amor amore
liebe cariño corazon mariposa princesa tesoro bonjour salut ciao hola gracias danke merci
motdepasse contrasena contrasenya senha parola haslo salasana wachtwoord losenord adgangskode
solo skywalker vader yoda jedi chewbacca hogwarts harrypotter hermione frodo sauron
pass1234 admin123 root123 test123 guest123 user user123 username login123 master123
qazwsx qweasd qweasdzxc asdfgh asdfghjkl zxcvbn zxcvbnm qwertyuiop asdf qwer zxcv yxcvbnm
poiuytrewq lkjhgfdsa mnbvcxz 1qaz2wsx 1qaz2wsx3edc 1qaz2wsx3edc4rfv qazwsxedc qazwsxedcrfv
zaq12wsx zaq1zaq1 1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y 1q2w3e4r5t6y7u8i q1w2e3r4 q1w2e3r4t5
q1w2e3r4t5y6 a1b2c3d4 a1s2d3f4 aa12345678 abcd1234 abcdefg abcdefgh abcdefghijkl
"""

NAMES = """
james john robert michael william david richard joseph thomas charles christopher daniel
matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy
ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott
brandon benjamin samuel gregory alexander frank patrick raymond jack dennis jerry tyler aaron
jose adam nathan henry douglas zachary peter kyle ethan walter noah jeremy christian keith
roger terry gerald harold sean austin carl arthur lawrence dylan jesse jordan bryan billy joe
bruce gabriel logan albert willie alan juan wayne elijah randy roy vincent ralph eugene russell
bobby mason philip louis mary patricia jennifer linda elizabeth barbara susan jessica sarah
karen lisa nancy betty margaret sandra ashley kimberly emily donna michelle carol amanda
dorothy melissa deborah stephanie rebecca sharon laura cynthia kathleen amy angela shirley
anna brenda pamela emma nicole helen samantha katherine christine debra rachel carolyn janet
catherine maria heather diane ruth julie olivia joyce virginia victoria kelly lauren christina
joan evelyn judith megan andrea cheryl hannah jacqueline martha gloria teresa ann sara madison
frances kathryn janice jean abigail alice julia judy sophia grace denise amber doris marilyn
danielle beverly isabella theresa diana natalie brittany charlotte marie kayla alexis lori
charlie max bella lucy daisy molly sophie chloe lily zoe jasmine ginger bailey rocky lucky
shadow sammy toby jake oscar milo leo simba nala luna coco oliver harry alfie freddie archie
"""

PHRASE_OBJECTS = """
you me him her us them god jesus mom dad mommy daddy mum family kids baby babe boo honey
money music dance dancing football soccer basketball hockey pizza chocolate food dogs cats
puppy kitty horses mylife life myself mykids mywife myhusband mygirl myboy mygirlfriend
myboyfriend mybaby friends boys girls sex
"""

def words(block):
    return [w for w in block.split() if w]

def main():
    entries = set()
    for w in words(WORDS) + words(NAMES):
        entries.add(w)
    people = words(NAMES)
    objects = words(PHRASE_OBJECTS) + people
    for x in objects:
        entries.add("ilove" + x)
        if x in ("baby", "babe", "honey", "mom", "dad"):
            entries.add("iloveyou" + x)
        entries.add("ihate" + x)
    for x in words(WORDS)[:120] + ["life", "love", "baby", "girl", "boy", "world", "name", "account"]:
        entries.add("my" + x)
        entries.add("the" + x)
    for x in ["love", "lover", "girl", "boy", "baby", "man", "king", "queen", "star", "rock", "rocks"]:
        for y in people[:120]:
            entries.add(y + x)
    # Digit runs and keypad patterns, as whole passwords of 12 or more digits.
    runs = "01234567890123456789"
    for length in range(12, 21):
        for start in range(10):
            entries.add(runs[start:start + length])
            entries.add(runs[start:start + length][::-1])
    for pattern in ["147258369", "159357", "147852369", "789456123", "123456654321", "112233445566",
                    "102030405060", "246810121416", "135791113151", "369258147", "741852963",
                    "987654321", "123qweasdzxc", "qweasdzxc123", "1234qwerasdf", "1234qwerasdfzxcv",
                    "qwer1234asdf", "qwertyuiop123", "asdfghjkl123", "zxcvbnm123", "qwertyuiopasdfghjkl",
                    "qwertyuiopasdfghjklzxcvbnm", "correcthorsebatterystaple",
                    "thequickbrownfox", "thequickbrownfoxjumpsoverthelazydog", "welcometothejungle",
                    "letmeinnow", "letmeinplease", "openupplease", "opensesame", "allyourbase",
                    "passwordisnotsecure", "thisismypassword", "mypasswordis", "notmypassword",
                    "nopassword", "newpassword", "oldpassword", "changethepassword", "changemenow",
                    "supersecret", "topsecret", "verysecret", "supersecure", "secretpassword",
                    "administrator1", "adminadmin", "rootroot", "testtest", "guestguest", "useruser"]:
        entries.add(pattern)
    for e in sorted(entries):
        print(e)

main()
