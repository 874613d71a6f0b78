namespace Shangding.Core.Subjects;

/// <summary>Sex as encoded in the 17th character of a GB 11643 number (odd: male, even: female).</summary>
public enum Sex
{
    Male,
    Female,
}
